"""Subscription state changes."""

import contextlib
from datetime import timedelta

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from events.invitations import invitation_consume
from events.models import Event, Invitation
from integrations.models import Integration
from notifications.mail import send_email_after_commit
from notifications.messages import event_url, humanize_offset, local_time
from notifications.models import Delivery
from soonish.accounts.models import User, normalize_email
from workflows import client as temporal

from .models import UNCONFIRMED_LIFETIME, ReminderOffset, Subscription, UnsubscribeToken
from .offsets import clean_offsets
from .tokens import (
    BadToken,
    confirmation_url,
    subscription_from_confirmation_token,
    unsubscribe_token_from,
    unsubscribe_url,
)


class AlreadySubscribed(Exception):
    pass


class EventNotOpen(Exception):
    pass


def _owned_active_integrations(user: User, ids) -> list[Integration]:
    ids = list(dict.fromkeys(ids or []))
    found = list(Integration.objects.filter(user=user, pk__in=ids, is_active=True))
    missing = set(ids) - {i.pk for i in found}
    if missing:
        raise ValidationError(
            {
                "integration_ids": [
                    f"Not one of your active channels: {', '.join(map(str, sorted(missing)))}."
                ]
            }
        )
    return found


def _set_offsets(subscription: Subscription, offsets: list[int]) -> None:
    subscription.reminders.all().delete()
    ReminderOffset.objects.bulk_create(
        ReminderOffset(subscription=subscription, event_id=subscription.event_id, offset_seconds=o)
        for o in offsets
    )


def _known_related(instance, **related: list) -> None:
    """Set `instance`'s related managers' results (e.g. reminders=[...]) as a prefetch would,
    so `instance.reminders.all()` answers from them without a query."""
    cache = instance.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in related.items():
        queryset = getattr(instance, name).get_queryset()
        queryset._result_cache, queryset._prefetch_done = list(objects), True
        cache[name] = queryset


def _offsets_planned(event_id: int, offsets: list[int], *, other_than: int | None = None) -> bool:
    """Whether the event's workflow already has each of `offsets` in its plan.

    It has an offset once another confirmed subscription of the event uses it: that
    subscription's own signal (after its commit) made the workflow re-read the offsets, or the
    periodic sync does. Then a new subscriber need not wake it: the reminder is one timer for
    everyone, and who gets it is read when it is due. One indexed EXISTS per offset, so the
    cost does not grow with the number of subscribers (a wake-up re-reads all their offsets).
    """
    if not offsets:
        return True
    in_use = ReminderOffset.objects.filter(
        event_id=event_id, subscription__confirmed_at__isnull=False
    ).exclude(subscription_id=other_than)
    checks = {f"has_{o}": Exists(in_use.filter(offset_seconds=o)) for o in offsets}
    found = Event.objects.filter(pk=event_id).annotate(**checks).values(*checks).first()
    return bool(found) and all(found.values())


def _signal_unless_planned(
    event_id: int, offsets: list[int], *, other_than: int | None = None
) -> None:
    if not _offsets_planned(event_id, offsets, other_than=other_than):
        transaction.on_commit(lambda: temporal.signal_event(event_id, "reminders_changed"))


def _offsets(value) -> list[int]:
    try:
        return clean_offsets(value)
    except ValidationError as exc:
        raise ValidationError({"reminder_offsets": exc.messages}) from None


def subscription_create(
    *,
    event: Event,
    user: User,
    integration_ids=None,
    tags=None,
    reminder_offsets=None,
    confirmed: bool = True,
    invitation: Invitation | None = None,
) -> Subscription:
    """Subscribe; the welcome is asked of the event's welcome batcher (a signal-with-start)
    before the commit, which waits for the row to be visible (a refused call rolls the
    subscription back). Unconfirmed
    (email-only) subscriptions get the confirmation email instead, after the commit.

    An `invitation` (see events.invitations.invitation_check) is spent in the same transaction.
    """
    if event.status != Event.Status.SCHEDULED:
        raise EventNotOpen(f"This event is {event.status}; it takes no new subscribers.")
    integrations = _owned_active_integrations(user, integration_ids)
    offsets = _offsets(reminder_offsets)
    try:
        with transaction.atomic():
            if invitation is not None:
                invitation_consume(invitation=invitation, user=user)
            subscription = Subscription.objects.create(
                event=event,
                user=user,
                tags=list(tags or []),
                confirmed_at=timezone.now() if confirmed else None,
            )
            if integrations:
                subscription.integrations.add(*integrations)
            reminders = ReminderOffset.objects.bulk_create(
                ReminderOffset(subscription=subscription, event_id=event.pk, offset_seconds=o)
                for o in offsets
            )
            # What was just written, as if prefetched: the caller shows it without re-reading.
            _known_related(subscription, integrations=integrations, reminders=reminders)
            if confirmed:
                temporal.start_welcome(subscription)
                _signal_unless_planned(event.pk, offsets, other_than=subscription.pk)
            else:
                _send_confirmation(subscription)
    except IntegrityError:
        raise AlreadySubscribed("You are already subscribed to this event.") from None
    return subscription


@transaction.atomic
def subscription_update(
    *, subscription: Subscription, integration_ids=None, tags=None, reminder_offsets=...
) -> Subscription:
    """Change selectors or reminder times; the event's workflow re-plans its reminders."""
    if integration_ids is not None:
        subscription.integrations.set(
            _owned_active_integrations(subscription.user, integration_ids)
        )
    if tags is not None:
        subscription.tags = list(tags)
        subscription.save(update_fields=["tags", "updated_at"])
    if reminder_offsets is not ...:
        _set_offsets(subscription, _offsets(reminder_offsets))
        event_id = subscription.event_id
        transaction.on_commit(lambda: temporal.signal_event(event_id, "reminders_changed"))
    return subscription


def subscription_delete(*, subscription: Subscription) -> None:
    subscription.delete()


# --- email-only subscribers: double opt-in ---------------------------------------------------

# A repeated request mails the link again at most this often: the anonymous form must not be
# a way to flood someone's inbox.
CONFIRMATION_RESEND_INTERVAL = timedelta(minutes=1)


def _send_confirmation(subscription: Subscription) -> None:
    event, user = subscription.event, subscription.user
    context = {
        "user": user,
        "event": event,
        "starts": local_time(event.start, event.time_zone),
        "event_url": event_url(event),
        "reminders": ", ".join(map(humanize_offset, subscription.reminder_offsets)),
        "confirm_url": confirmation_url(subscription),
        "valid_days": UNCONFIRMED_LIFETIME.days,
    }
    send_email_after_commit(to=user.email, template="confirm_subscription", context=context)


def _resend_confirmation(subscription: Subscription) -> None:
    # updated_at dates the latest link, and the purge counts from it. One conditional UPDATE,
    # so requests racing each other send one mail.
    now = timezone.now()
    touched = Subscription.objects.filter(
        pk=subscription.pk,
        confirmed_at__isnull=True,
        updated_at__lt=now - CONFIRMATION_RESEND_INTERVAL,
    ).update(updated_at=now)
    if touched:
        _send_confirmation(subscription)


def _account_for(email: str, name: str) -> User:
    """The account with this address as it is, or a new one without a password."""
    user = User.objects.filter(email=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            return User.objects.create_user(email, name=name)
    except IntegrityError:  # a concurrent request created it
        return User.objects.get(email=email)


def subscription_request(
    *,
    event: Event,
    email: str,
    name: str = "",
    reminder_offsets=None,
    invitation: Invitation | None = None,
) -> None:
    """Subscribe an address without signing in: unconfirmed, and only a confirmation is mailed.

    Does the same whatever the address is (new, an account's, subscribed already), so the
    caller can answer without telling which: an existing account is only linked to the new
    subscription, an unconfirmed subscription gets its link again, a confirmed one nothing.
    """
    offsets = _offsets(reminder_offsets)
    if event.status != Event.Status.SCHEDULED:
        raise EventNotOpen(f"This event is {event.status}; it takes no new subscribers.")
    with transaction.atomic():
        user = _account_for(normalize_email(email), name)
        if not user.is_active:
            return
        existing = (
            Subscription.objects.filter(event=event, user=user).select_related("event").first()
        )
        if existing is None:
            # A concurrent request may win the race to subscribe this address: its link is sent.
            with contextlib.suppress(AlreadySubscribed):
                subscription_create(
                    event=event,
                    user=user,
                    reminder_offsets=offsets,
                    confirmed=False,
                    invitation=invitation,
                )
        elif existing.confirmed_at is None:
            _resend_confirmation(existing)


def subscription_confirm(*, token: str) -> Subscription:
    """Confirm an email-only subscription (idempotent) and start its welcome.

    BadToken for a bad link; TemporalUnavailable, with nothing confirmed, when the welcome
    cannot be asked for (as in subscription_create, it is asked for before the commit).
    """
    found = subscription_from_confirmation_token(token)
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update(of=("self",))
            .select_related("event", "user")
            .filter(pk=found.pk)
            .first()
        )
        if subscription is None:
            raise BadToken("This confirmation link is no longer valid; subscribe again.")
        if subscription.confirmed_at is not None:
            return subscription
        subscription.confirmed_at = timezone.now()
        subscription.save(update_fields=["confirmed_at", "updated_at"])
        if subscription.event.status == Event.Status.SCHEDULED:
            temporal.start_welcome(subscription)
            _signal_unless_planned(
                subscription.event_id, subscription.reminder_offsets, other_than=subscription.pk
            )
    return subscription


def subscriptions_purge_unconfirmed() -> tuple[int, int]:
    """Delete subscriptions left unconfirmed since their last link went out UNCONFIRMED_LIFETIME
    ago, and the password-less accounts that have nothing else; returns (subscriptions, users).

    An account someone is claiming (registered, not verified yet) has a pending password and
    stays, and so does its subscription history.
    """
    cutoff = timezone.now() - UNCONFIRMED_LIFETIME
    with transaction.atomic():
        stale = Subscription.objects.filter(confirmed_at__isnull=True, updated_at__lt=cutoff)
        user_ids = set(stale.values_list("user_id", flat=True))
        _, deleted = stale.delete()
        owner = OuterRef("pk")
        orphans = (
            User.objects.filter(
                pk__in=user_ids,
                password__startswith=UNUSABLE_PASSWORD_PREFIX,
                pending_password="",
                is_staff=False,
                is_superuser=False,
            )
            .exclude(Exists(Subscription.objects.filter(user=owner)))
            .exclude(Exists(Integration.objects.filter(user=owner)))
            .exclude(Exists(Event.objects.filter(organizer=owner)))
            .exclude(Exists(Delivery.objects.filter(recipient=owner)))
        )
        _, gone = orphans.delete() if user_ids else (0, {})
    return (
        deleted.get(Subscription._meta.label, 0),
        gone.get(User._meta.label, 0),
    )


# --- one-click unsubscribe -------------------------------------------------------------------


def unsubscribe_links(*, subscription_ids) -> dict[int, str]:
    """{subscription id: its unsubscribe link}, for a fan-out batch: two queries in all.

    A subscription's unused token with more than REUSE_DAYS_LEFT to live is reused; the others
    get a new token each, in one INSERT.
    """
    ids = set(subscription_ids)
    if not ids:
        return {}
    now = timezone.now()
    reusable = UnsubscribeToken.objects.filter(
        subscription_id__in=ids,
        used_at__isnull=True,
        expires_at__gt=now + timedelta(days=UnsubscribeToken.REUSE_DAYS_LEFT),
    ).order_by("expires_at")
    chosen = dict(reusable.values_list("subscription_id", "pk"))  # the longest-lived wins
    created = UnsubscribeToken.objects.bulk_create(
        UnsubscribeToken(
            subscription_id=subscription_id,
            expires_at=now + timedelta(days=UnsubscribeToken.LIFETIME_DAYS),
        )
        for subscription_id in sorted(ids - chosen.keys())
    )
    chosen.update((token.subscription_id, token.pk) for token in created)
    return {s: unsubscribe_url(subscription_id=s, token_id=t) for s, t in chosen.items()}


def subscription_unsubscribe(*, token: str) -> Subscription:
    """End the subscription a one-click link names (the returned object keeps its event).

    The link works once: BadToken when it is unknown, used or expired.
    """
    with transaction.atomic():
        row = unsubscribe_token_from(token)
        # One conditional UPDATE, so two clicks racing cannot both succeed.
        used = UnsubscribeToken.objects.filter(pk=row.pk, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        if not used:
            raise BadToken("This unsubscribe link is not valid, or it has already been used.")
        subscription = row.subscription
        subscription_delete(subscription=subscription)
    return subscription
