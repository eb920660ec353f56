"""Invitations: an organizer opens an event to an email address with a single-use token.

The token is mailed and never stored (only its hash). It works once, for 7 days;
re-inviting the address replaces it, revoking deletes the row.
"""

from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from notifications.mail import send_email_after_commit
from notifications.messages import event_url, local_time
from soonish.accounts.models import User, normalize_email
from soonish.tokens import hash_token, new_token

from .models import Event, Invitation
from .selectors import invitations_usable
from .services import EventClosed

INVITATION_LIFETIME = timedelta(days=7)

PENDING, ACCEPTED, EXPIRED = "pending", "accepted", "expired"


def invitation_status(invitation: Invitation) -> str:
    if invitation.accepted_at is not None:
        return ACCEPTED
    return PENDING if invitation.expires_at > timezone.now() else EXPIRED


# Reads


def invitations_for(*, user: User, event: Event) -> QuerySet[Invitation]:
    """The invitations to `event`, if `user` organizes it (none otherwise)."""
    return Invitation.objects.filter(event=event, event__organizer=user).order_by("-created_at")


def invitation_pending_for(*, event: Event, user: User) -> Invitation | None:
    """A usable invitation to `event` for the verified address of `user`, if there is one."""
    if not (user.is_authenticated and user.is_verified):
        return None
    return invitations_usable().filter(event=event, email__iexact=user.email).first()


# Changes


def _mail(invitation: Invitation, raw_token: str) -> None:
    base, event = settings.SOONISH_BASE_URL, invitation.event
    context = {
        "event": event,
        "inviter": invitation.invited_by.get_short_name() if invitation.invited_by else "",
        "starts": local_time(event.start, event.time_zone),
        "expires": local_time(invitation.expires_at, event.time_zone),
        "token": raw_token,
        "accept_url": f"{base}/invitations/accept?{urlencode({'token': raw_token})}",
        "event_url": event_url(event),
        "subscribe_url": f"{base}/api/events/{event.pk}/subscribe",
    }
    send_email_after_commit(to=invitation.email, template="invitation", context=context)


@transaction.atomic
def invitation_send(*, event: Event, email: str, invited_by: User) -> tuple[Invitation, bool]:
    """Invite `email` and mail it a fresh token; returns (invitation, created).

    Re-inviting an address (in any case) refreshes the same row: a new token (the old one
    stops working), a new expiry, and acceptance cleared, as if it were a first invitation.
    """
    event = Event.objects.select_for_update().get(pk=event.pk)
    if event.status != Event.Status.SCHEDULED:
        raise EventClosed(f"This event is {event.status}; it takes no new invitations.")
    email = normalize_email(email)
    raw, token_hash = new_token()
    fields = {
        "email": email,
        "token_hash": token_hash,
        "invited_by": invited_by,
        "expires_at": timezone.now() + INVITATION_LIFETIME,
        "accepted_at": None,
        "accepted_by": None,
    }
    # The event row lock serialises invitations to one event, so this read-then-write is safe.
    invitation = Invitation.objects.filter(event=event, email__iexact=email).first()
    created = invitation is None
    if created:
        invitation = Invitation.objects.create(event=event, **fields)
    else:
        for name, value in fields.items():
            setattr(invitation, name, value)
        invitation.save(update_fields=list(fields))
    _mail(invitation, raw)
    return invitation, created


def invitation_revoke(*, invitation: Invitation) -> None:
    """Delete the invitation: its token stops working and it no longer shows the event."""
    invitation.delete()


def _refused(message: str) -> ValidationError:
    return ValidationError({"invitation_token": [message]})


def invitation_check(*, event: Event, token: str) -> Invitation:
    """The usable invitation to `event` that `token` names; a ValidationError otherwise."""
    invitation = Invitation.objects.filter(event=event, token_hash=hash_token(token or "")).first()
    if invitation is None:
        raise _refused("This invitation is not valid for this event; it may have been replaced.")
    if invitation.accepted_at is not None:
        raise _refused("This invitation has already been used.")
    if invitation.expires_at <= timezone.now():
        raise _refused("This invitation has expired; ask the organizer for a new one.")
    return invitation


def invitation_consume(*, invitation: Invitation, user: User) -> Invitation:
    """Mark the invitation accepted by `user`; call it in the transaction that subscribes.

    One conditional UPDATE, so two requests racing with one token cannot both succeed.
    """
    now = timezone.now()
    used = invitations_usable().filter(pk=invitation.pk).update(accepted_at=now, accepted_by=user)
    if not used:
        raise _refused("This invitation has already been used, replaced or revoked.")
    invitation.accepted_at, invitation.accepted_by = now, user
    return invitation


def invitation_for_subscriber(*, event: Event, user: User, token: str = "") -> Invitation | None:
    """The invitation a new subscription to `event` consumes, if any.

    With a token: the invitation it names, or a ValidationError (it must be usable).
    Without one: the caller's own usable invitation by address, so it shows as accepted.
    """
    if token:
        return invitation_check(event=event, token=token)
    return invitation_pending_for(event=event, user=user)


def invitation_from_token(token: str) -> Invitation | None:
    """The invitation a link names, whatever its state (to explain a dead link), or None."""
    if not token:
        return None
    return Invitation.objects.select_related("event").filter(token_hash=hash_token(token)).first()
