"""Reads of subscriptions on behalf of their owner."""

from django.db.models import QuerySet

from soonish.accounts.models import User

from .models import Subscription


def subscriptions_of(user: User) -> QuerySet[Subscription]:
    return (
        Subscription.objects.filter(user=user)
        .select_related("event")
        .prefetch_related("integrations", "reminders")
        .order_by("-created_at", "-pk")
    )


def subscription_exists(*, event_id: int, user: User) -> bool:
    return Subscription.objects.filter(event_id=event_id, user=user).exists()
