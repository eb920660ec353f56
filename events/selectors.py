"""Reads of events, always on behalf of a caller: what they may see is all they get."""

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from soonish.accounts.models import User
from soonish.tokens import hash_token
from subscriptions.models import Subscription

from .models import Event, Invitation


def with_subscriber_counts(qs: QuerySet) -> QuerySet:
    # A subquery, not a join: the count must not multiply rows or fight other annotations.
    counts = (
        Subscription.objects.filter(event=OuterRef("pk"), confirmed_at__isnull=False)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(subscriber_count=Coalesce(Subquery(counts), Value(0)))


def invitations_usable() -> QuerySet[Invitation]:
    """Invitations whose token still opens their event: not accepted, not expired.

    A revoked invitation is a deleted row, so it is not here either.
    """
    return Invitation.objects.filter(accepted_at__isnull=True, expires_at__gt=timezone.now())


def visibility_filter(user: User | None) -> Q:
    """Public events, plus private ones the user organizes, follows or is invited to.

    Invited means an invitation this user accepted, or a usable one to their address. The
    address counts only once verified: anyone can open an unverified account for any address.
    """
    visible = Q(is_public=True)
    if user is not None and user.is_authenticated:
        invited = Invitation.objects.filter(accepted_by=user)
        if user.is_verified:
            invited |= invitations_usable().filter(email__iexact=user.email)
        # Semi-joins, not a join to subscriptions: a join would produce one row per
        # subscriber of every event before the filter (and duplicates to remove after it).
        followed = Subscription.objects.filter(user=user).values("event")
        visible |= Q(organizer=user) | Q(pk__in=followed) | Q(pk__in=invited.values("event"))
    return visible


def _visible(user: User | None, invitation_token: str) -> Q:
    visible = visibility_filter(user)
    if invitation_token:
        token_hash = hash_token(invitation_token)
        visible |= Q(pk__in=invitations_usable().filter(token_hash=token_hash).values("event"))
    return visible


def events_visible_to(user: User | None, *, invitation_token: str = "") -> QuerySet[Event]:
    """The events `user` may see; a usable `invitation_token` adds the event it invites to."""
    ids = Event.objects.filter(_visible(user, invitation_token)).values("pk")
    return with_subscriber_counts(Event.objects.filter(pk__in=ids).select_related("organizer"))


def event_to_subscribe(user: User, pk: int, *, invitation_token: str = "") -> Event | None:
    """Event `pk` if `user` may see it (the rules of events_visible_to), for subscribing:
    without the subscriber count (a count over every subscriber of the event) or the
    organizer, and for a public event in one simple query (the full visibility rules are asked
    only of a private one). `has_pending_invitation` says whether invitation_pending_for would
    find the user's own usable invitation to it, so that it is asked only when it would."""
    if user.is_verified:
        pending = invitations_usable().filter(event=OuterRef("pk"), email__iexact=user.email)
        has_pending = Exists(pending)
    else:
        has_pending = Value(False)
    event = Event.objects.filter(pk=pk).annotate(has_pending_invitation=has_pending).first()
    if event is None or event.is_public:
        return event
    visible = Event.objects.filter(_visible(user, invitation_token), pk=pk).exists()
    return event if visible else None


def events_search(
    *,
    user: User | None,
    q: str = "",
    tag: str = "",
    starts_after=None,
    starts_before=None,
    mine: str = "",
) -> QuerySet[Event]:
    events = events_visible_to(user)
    if q:
        events = events.filter(
            Q(name__icontains=q) | Q(description__icontains=q) | Q(location__icontains=q)
        )
    if tag:
        # Tags are stored lower-cased slugs in a JSON list; the quoted form matches one element
        # exactly on both SQLite and PostgreSQL.
        events = events.filter(tags__icontains=f'"{tag.lower()}"')
    if starts_after:
        events = events.filter(start__gte=starts_after)
    if starts_before:
        events = events.filter(start__lte=starts_before)
    if mine == "organizing":
        events = events.filter(organizer=user)
    elif mine == "subscribed":
        events = events.filter(subscriptions__user=user)
    return events.order_by("start", "pk")


def event_for_organizer(*, user: User, pk: int) -> Event | None:
    return Event.objects.filter(pk=pk, organizer=user).first()
