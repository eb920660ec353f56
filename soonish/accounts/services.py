"""Account state changes: registration, verification, password reset, profile."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from notifications.mail import send_email_after_commit

from .models import User, normalize_email
from .tokens import (
    make_password_reset_token,
    make_verification_token,
    user_from_password_reset_token,
    user_from_verification_token,
)


def _link(path: str, token: str) -> str:
    return f"{settings.SOONISH_BASE_URL}{path}?{urlencode({'token': token})}"


def _send_verification(user: User, *, claiming: bool = False) -> None:
    url = _link("/accounts/verify", make_verification_token(user))
    send_email_after_commit(
        to=user.email,
        template="verification",
        context={"user": user, "verify_url": url, "claiming": claiming},
    )


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


@transaction.atomic
def user_register(*, email: str, password: str, name: str = "") -> User:
    """Create an account, or claim the email-only account of someone who subscribed before.

    A claim keeps the new password aside until the address is verified, so registering
    someone else's address gives no access to their subscriptions.
    """
    email = normalize_email(email)
    user = User.objects.select_for_update().filter(email=email).first()
    if user is not None and not user.is_email_only:
        raise ValidationError({"email": ["An account with this email address already exists."]})
    candidate = user or User(email=email, name=name)
    _check_password(password, candidate)
    if user is None:
        user = User.objects.create_user(email, password, name=name)
        _send_verification(user)
        return user
    user.pending_password = make_password(password)
    if name and not user.name:
        user.name = name
    user.save(update_fields=["pending_password", "name"])
    _send_verification(user, claiming=True)
    return user


@transaction.atomic
def user_verify_email(*, token: str) -> User:
    """Mark the address verified (idempotent); a pending claim's password takes effect."""
    user = user_from_verification_token(token)
    fields = []
    if user.pending_password:
        user.password, user.pending_password = user.pending_password, ""
        fields += ["password", "pending_password"]
    if not user.is_verified:
        user.is_verified = True
        fields.append("is_verified")
    if fields:
        user.save(update_fields=fields)
    return user


def verification_resend(*, email: str) -> None:
    """Send a new link when an unverified account has this address; silent otherwise."""
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is not None and (not user.is_verified or user.pending_password):
        _send_verification(user, claiming=bool(user.pending_password))


def password_reset_request(*, email: str) -> None:
    """Mail a reset link when an active account has this address; silent otherwise."""
    user = User.objects.filter(email=normalize_email(email), is_active=True).first()
    if user is None:
        return
    url = _link("/accounts/reset", make_password_reset_token(user))
    send_email_after_commit(
        to=user.email, template="password_reset", context={"user": user, "reset_url": url}
    )


@transaction.atomic
def password_reset_confirm(*, token: str, password: str) -> User:
    user = user_from_password_reset_token(token)
    _check_password(password, user)
    user.set_password(password)
    # Following the mailed link proves the address, and supersedes a pending claim.
    user.is_verified = True
    user.pending_password = ""
    user.save(update_fields=["password", "is_verified", "pending_password"])
    # Changing the password ends the sessions (their hash changes); end the JWT logins too.
    BlacklistedToken.objects.bulk_create(
        [
            BlacklistedToken(token=outstanding)
            for outstanding in OutstandingToken.objects.filter(
                user=user, blacklistedtoken__isnull=True
            )
        ]
    )
    return user


def user_update(*, user: User, **fields) -> User:
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(fields))
    return user
