"""Reads of events, always on behalf of a caller: what they may see is all they get."""

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from soonish.accounts.models import User
from subscriptions.models import Subscription

from .models import Event


def _subscriber_counts(qs: QuerySet) -> QuerySet:
    # A subquery, not a join: the count must not multiply rows or fight other annotations.
    counts = (
        Subscription.objects.filter(event=OuterRef("pk"), confirmed_at__isnull=False)
        .order_by()
        .values("event")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(subscriber_count=Coalesce(Subquery(counts), Value(0)))


def visibility_filter(user: User | None) -> Q:
    """Public events, plus private ones the user organizes, follows or is invited to."""
    visible = Q(is_public=True)
    if user is not None and user.is_authenticated:
        visible |= (
            Q(organizer=user)
            | Q(subscriptions__user=user)
            | Q(invitations__email=user.email, invitations__accepted_at__isnull=True)
            | Q(invitations__accepted_by=user)
        )
    return visible


def events_visible_to(user: User | None) -> QuerySet[Event]:
    ids = Event.objects.filter(visibility_filter(user)).values("pk")
    return _subscriber_counts(Event.objects.filter(pk__in=ids).select_related("organizer"))


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
