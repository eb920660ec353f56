from django.urls import path

from . import api

urlpatterns = [
    path("auth/register", api.RegisterView.as_view(), name="auth-register"),
    path("auth/login", api.LoginView.as_view(), name="auth-login"),
    path("auth/refresh", api.RefreshView.as_view(), name="auth-refresh"),
    path("auth/logout", api.LogoutView.as_view(), name="auth-logout"),
    path("auth/verify", api.VerifyEmailView.as_view(), name="auth-verify"),
    path(
        "auth/resend-verification",
        api.ResendVerificationView.as_view(),
        name="auth-resend-verification",
    ),
    path("auth/password-reset", api.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password-reset/confirm",
        api.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("users/me", api.MeView.as_view(), name="users-me"),
]
