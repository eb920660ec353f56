"""Reads of the delivery ledger."""

from django.db.models import Count, QuerySet

from soonish.accounts.models import User

from .models import Delivery


def deliveries_of(user: User) -> QuerySet[Delivery]:
    """What was sent (or tried) to this user, newest first."""
    return (
        Delivery.objects.filter(recipient=user)
        .select_related("event")
        .order_by("-created_at", "-pk")
    )


def delivery_counts_for(*, event_ids: list[int]) -> dict[int, dict[str, int]]:
    """{event id: {status: count}} in one query, every status present for every event."""
    counts = {pk: dict.fromkeys(Delivery.Status.values, 0) for pk in event_ids}
    rows = (
        Delivery.objects.filter(event_id__in=event_ids)
        .values("event_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        counts[row["event_id"]][row["status"]] = row["n"]
    return counts


def delivery_counts(*, event_id: int) -> dict[str, int]:
    """{status: count} of an event's deliveries, every status present."""
    return delivery_counts_for(event_ids=[event_id])[event_id]
