"""Many subscribers fast, through the ORM in bulk (not HTTP): for fan-out and scale tests."""

import uuid

from django.utils import timezone

from integrations.masking import mask_url
from integrations.models import Integration
from soonish.accounts.models import User
from subscriptions.models import ReminderOffset, Subscription


def add_subscribers(event_id: int, urls: list[str], offsets: list[int] = ()) -> list[Subscription]:
    """One user per URL, each with one custom integration to it and these reminder offsets."""
    tag = uuid.uuid4().hex[:6]
    users = User.objects.bulk_create(
        User(email=f"bulk-{tag}-{i}@example.org", password="!") for i in range(len(urls))
    )
    # The masked form is the same for every URL of one sink up to the path: compute it once.
    masked = mask_url(urls[0]) if urls else ""
    integrations = Integration.objects.bulk_create(
        Integration(user=u, name="sink", kind="custom", apprise_url=url, masked_url=masked)
        for u, url in zip(users, urls, strict=True)
    )
    now = timezone.now()
    subscriptions = Subscription.objects.bulk_create(
        Subscription(event_id=event_id, user=u, confirmed_at=now) for u in users
    )
    Subscription.integrations.through.objects.bulk_create(
        Subscription.integrations.through(subscription_id=s.pk, integration_id=i.pk)
        for s, i in zip(subscriptions, integrations, strict=True)
    )
    ReminderOffset.objects.bulk_create(
        ReminderOffset(subscription=s, event_id=event_id, offset_seconds=o)
        for s in subscriptions
        for o in offsets
    )
    return subscriptions
