"""Account pages: the links in account emails (sign-up, log-in and the rest come with the web)."""

from django.urls import path

from . import views

urlpatterns = [
    path("verify", views.verify_email, name="verify-email"),
    path("reset", views.password_reset_confirm, name="password-reset-confirm"),
]
