"""Authenticate by email, case-insensitively."""

from django.contrib.auth.backends import ModelBackend

from .models import User, normalize_email


class EmailBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = normalize_email(email or username or kwargs.get(User.USERNAME_FIELD))
        if not email or password is None:
            return None
        try:
            user = User.objects.get(email=email)
        except User.DoesNotExist:
            # Hash anyway so a missing account takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
