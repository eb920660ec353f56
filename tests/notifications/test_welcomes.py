"""send_welcomes: a batch of welcomes through the ledger, one notice per subscription."""

import pytest

from notifications.models import Delivery
from notifications.welcomes import send_welcomes
from tests.factories import EventFactory, ReminderOffsetFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db


def test_each_welcome_is_its_own_notice_and_is_sent_once(mailoutbox):
    event = EventFactory(name="Dock party")
    first = ReminderOffsetFactory(subscription__event=event, offset_seconds=3600).subscription
    second = ReminderOffsetFactory(subscription__event=event, offset_seconds=86400).subscription

    outcome = send_welcomes(event.pk, [first.pk, second.pk])

    assert (outcome.sent, outcome.failed, outcome.missing) == (2, 0, [])
    assert sorted(m.to[0] for m in mailoutbox) == sorted([first.user.email, second.user.email])
    by_to = {m.to[0]: m.body for m in mailoutbox}
    assert "1 hour" in by_to[first.user.email] and "1 day" in by_to[second.user.email]
    assert all("Unsubscribe: " in m.body for m in mailoutbox)
    keys = sorted(Delivery.objects.values_list("idempotency_key", flat=True))
    assert keys == sorted(f"welcome:{event.pk}:{s.pk}:{s.pk}:email" for s in (first, second))

    again = send_welcomes(event.pk, [first.pk, second.pk])

    assert (again.sent, len(mailoutbox), Delivery.objects.count()) == (2, 2, 2)


def test_what_is_not_a_confirmed_subscription_of_the_event_comes_back_missing(mailoutbox):
    event = EventFactory()
    mine = SubscriptionFactory(event=event)
    unconfirmed = SubscriptionFactory(event=event, confirmed_at=None)
    elsewhere = SubscriptionFactory()

    outcome = send_welcomes(event.pk, [mine.pk, unconfirmed.pk, elsewhere.pk, 10**9])

    assert outcome.sent == 1
    assert outcome.missing == sorted([unconfirmed.pk, elsewhere.pk, 10**9])
    assert [m.to for m in mailoutbox] == [[mine.user.email]]
