"""Account pages: sign up, log in and out, verify, reset the password, profile."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_http_methods

from soonish.throttling import throttled

from . import services
from .forms import (
    LoginForm,
    PasswordResetRequestForm,
    ProfileForm,
    SetPasswordForm,
    SignupForm,
)
from .tokens import BadToken, user_from_password_reset_token


@require_http_methods(["GET", "POST"])
@throttled("auth")
def verify_email(request):
    # GET only shows a button: mail scanners that prefetch links must not verify anything.
    token = request.POST.get("token") or request.GET.get("token", "")
    if request.method == "GET":
        return render(request, "accounts/verify.html", {"token": token})
    try:
        user = services.user_verify_email(token=token)
    except BadToken as exc:
        return render(request, "accounts/verify.html", {"error": str(exc)}, status=400)
    return render(request, "accounts/verify.html", {"verified_user": user})


@require_http_methods(["GET", "POST"])
@throttled("auth")
def password_reset_confirm(request):
    token = request.POST.get("token") or request.GET.get("token", "")
    try:
        user_from_password_reset_token(token)
    except BadToken as exc:
        return render(request, "accounts/reset.html", {"error": str(exc)}, status=400)
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.password_reset_confirm(token=token, password=form.cleaned_data["password"])
        except ValidationError as exc:
            form.add_error("password", exc.message_dict.get("password", exc.messages))
        else:
            return render(request, "accounts/reset.html", {"done": True})
    status = 400 if form.errors else 200
    return render(request, "accounts/reset.html", {"form": form, "token": token}, status=status)


@require_http_methods(["GET", "POST"])
@throttled("auth")
def signup(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.user_register(
                email=data["email"], password=data["password"], name=data["name"]
            )
        except ValidationError as exc:
            form.add_service_errors(exc)
        else:
            # The address is shown on the next page; the session keeps it off the URL.
            request.session["signup_email"] = data["email"]
            return redirect("signup-done")
    status = 400 if form.errors else 200
    return render(request, "accounts/signup.html", {"form": form}, status=status)


def signup_done(request):
    return render(
        request, "accounts/signup_done.html", {"email": request.session.get("signup_email")}
    )


@method_decorator(throttled("auth"), name="post")
class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


logout = auth_views.LogoutView.as_view()  # POST only (Django 5); back to home


@require_http_methods(["GET", "POST"])
@throttled("auth_email")
def password_reset_request(request):
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            services.password_reset_request(email=form.cleaned_data["email"])
            # The same answer whether or not the address has an account: no enumeration.
            messages.success(
                request,
                "If an account uses that address, a link to choose a new password is on its way.",
            )
            return redirect("password-reset")
        return render(request, "accounts/password_reset.html", {"form": form}, status=400)
    return render(request, "accounts/password_reset.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    initial = {"name": user.name, "time_zone": user.time_zone}
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(user=user, **form.cleaned_data)
        except ValidationError as exc:
            user.refresh_from_db()
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("profile")
    status = 400 if form.errors else 200
    return render(request, "accounts/profile.html", {"form": form}, status=status)
