"""Account pages: sign-up, log-in and out, the links in account emails, the profile."""

from django.urls import path

from . import views

urlpatterns = [
    path("signup", views.signup, name="signup"),
    path("signup/done", views.signup_done, name="signup-done"),
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.logout, name="logout"),
    path("verify", views.verify_email, name="verify-email"),
    path("password-reset", views.password_reset_request, name="password-reset"),
    path("reset", views.password_reset_confirm, name="password-reset-confirm"),
    path("profile", views.profile, name="profile"),
]
