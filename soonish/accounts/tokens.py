"""Email verification and password reset tokens; both stateless and signed with SECRET_KEY."""

import hashlib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from .models import User

_VERIFY_SALT = "soonish.accounts.verify-email"


class BadToken(Exception):
    """The token is malformed, tampered with or expired; the message says which, for people."""


def _fingerprint(pending_password: str) -> str:
    return hashlib.sha256(pending_password.encode()).hexdigest()[:16] if pending_password else ""


def make_verification_token(user: User) -> str:
    # A claim's link carries a fingerprint of its pending password, so an older link can
    # not activate the password of a later claim.
    data = {"u": user.pk, "e": user.email, "p": _fingerprint(user.pending_password)}
    return signing.dumps(data, salt=_VERIFY_SALT, compress=True)


def user_from_verification_token(token: str) -> User:
    try:
        data = signing.loads(token, salt=_VERIFY_SALT, max_age=settings.VERIFICATION_TOKEN_MAX_AGE)
    except signing.SignatureExpired:
        raise BadToken("This verification link has expired; ask for a new one.") from None
    except signing.BadSignature:
        raise BadToken("This verification link is not valid.") from None
    # The address is part of the token: a link for an old address does not verify a new one.
    user = User.objects.filter(pk=data.get("u"), email=data.get("e"), is_active=True).first()
    if user is None:
        raise BadToken("This verification link is not valid.")
    if user.pending_password and data.get("p") != _fingerprint(user.pending_password):
        raise BadToken("This link was replaced by a newer one; use the most recent email.")
    return user


def make_password_reset_token(user: User) -> str:
    # Django's generator hashes the password and last login: the token dies once used.
    return (
        f"{urlsafe_base64_encode(force_bytes(user.pk))}.{default_token_generator.make_token(user)}"
    )


def user_from_password_reset_token(token: str) -> User:
    invalid = BadToken("This password reset link is invalid or has already been used.")
    uid, _, secret = (token or "").partition(".")
    try:
        pk = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError):
        raise invalid from None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not default_token_generator.check_token(user, secret):
        raise invalid
    return user
