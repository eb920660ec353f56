"""Reads of the delivery ledger."""

from django.db.models import QuerySet

from soonish.accounts.models import User

from .models import Delivery


def deliveries_of(user: User) -> QuerySet[Delivery]:
    """What was sent (or tried) to this user, newest first."""
    return (
        Delivery.objects.filter(recipient=user)
        .select_related("event")
        .order_by("-created_at", "-pk")
    )


def delivery_counts(*, event_id: int) -> dict[str, int]:
    """{status: count} of an event's deliveries, every status present."""
    from django.db.models import Count

    counts = dict.fromkeys(Delivery.Status.values, 0)
    rows = Delivery.objects.filter(event_id=event_id).values("status").annotate(n=Count("pk"))
    counts.update({row["status"]: row["n"] for row in rows.order_by()})
    return counts
