"""The pages behind the links in account emails."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from . import services
from .forms import SetPasswordForm
from .tokens import BadToken, user_from_password_reset_token


def home(request):
    return render(request, "home.html")


@require_http_methods(["GET", "POST"])
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
