"""The tokens in subscription links: confirming an email-only subscription, unsubscribing.

Both are signed with SECRET_KEY, so nothing secret is stored. A confirmation token is
stateless (confirming twice is harmless); an unsubscribe token names an UnsubscribeToken row,
which holds its expiry and whether it was used.
"""

from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.utils import timezone

from soonish.accounts.tokens import BadToken

from .models import UNCONFIRMED_LIFETIME, Subscription, UnsubscribeToken

_CONFIRM_SALT = "soonish.subscriptions.confirm"
_UNSUBSCRIBE_SALT = "soonish.subscriptions.unsubscribe"


def _link(path: str, token: str) -> str:
    return f"{settings.SOONISH_BASE_URL}{path}?{urlencode({'token': token})}"


def make_confirmation_token(subscription: Subscription) -> str:
    data = {"s": subscription.pk, "u": subscription.user_id, "e": subscription.event_id}
    return signing.dumps(data, salt=_CONFIRM_SALT)


def confirmation_url(subscription: Subscription) -> str:
    return _link("/subscriptions/confirm", make_confirmation_token(subscription))


def subscription_from_confirmation_token(token: str) -> Subscription:
    """The subscription the token confirms (confirmed or not); BadToken otherwise."""
    try:
        data = signing.loads(token or "", salt=_CONFIRM_SALT, max_age=UNCONFIRMED_LIFETIME)
    except signing.SignatureExpired:
        raise BadToken("This confirmation link has expired; subscribe again.") from None
    except signing.BadSignature:
        raise BadToken("This confirmation link is not valid.") from None
    subscription = (
        Subscription.objects.select_related("event", "user")
        .filter(pk=data.get("s"), user_id=data.get("u"), event_id=data.get("e"))
        .first()
    )
    if subscription is None:
        # Purged after a week unconfirmed, or unsubscribed since.
        raise BadToken("This confirmation link is no longer valid; subscribe again.")
    return subscription


def make_unsubscribe_token(*, subscription_id: int, token_id: int) -> str:
    # No timestamp: the row holds the expiry, and the same row always gives the same link.
    return signing.Signer(salt=_UNSUBSCRIBE_SALT).sign(f"{subscription_id}.{token_id}")


def unsubscribe_url(*, subscription_id: int, token_id: int) -> str:
    return _link(
        "/unsubscribe", make_unsubscribe_token(subscription_id=subscription_id, token_id=token_id)
    )


def unsubscribe_token_from(token: str) -> UnsubscribeToken:
    """The unused, unexpired row the token names (its subscription and event selected)."""
    invalid = BadToken("This unsubscribe link is not valid, or it has already been used.")
    try:
        value = signing.Signer(salt=_UNSUBSCRIBE_SALT).unsign(token or "")
        subscription_id, token_id = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError):
        raise invalid from None
    row = (
        UnsubscribeToken.objects.select_related("subscription__event")
        .filter(pk=token_id, subscription_id=subscription_id)
        .first()
    )
    if row is None or row.used_at is not None:
        raise invalid
    if row.expires_at <= timezone.now():
        raise BadToken("This unsubscribe link has expired; use the one in a more recent message.")
    return row
