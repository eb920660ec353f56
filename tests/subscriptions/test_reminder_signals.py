"""Subscribing wakes the event's workflow only when it brings a reminder time not yet planned."""

import pytest

from subscriptions import services
from subscriptions.tokens import make_confirmation_token
from tests.factories import EventFactory, ReminderOffsetFactory, SubscriptionFactory, UserFactory
from workflows import client as temporal

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signals(monkeypatch):
    sent = []
    monkeypatch.setattr(temporal, "start_welcome", lambda subscription: "welcome")
    monkeypatch.setattr(temporal, "signal_event", lambda *args: sent.append(args) or True)
    return sent


def subscribe(event, offsets):
    return services.subscription_create(event=event, user=UserFactory(), reminder_offsets=offsets)


def test_the_first_subscriber_of_a_reminder_time_wakes_the_workflow(signals):
    event = EventFactory()
    subscribe(event, [86400, 3600])
    assert signals == [(event.pk, "reminders_changed")]


def test_a_subscriber_whose_times_are_all_planned_does_not(signals):
    event = EventFactory()
    subscribe(event, [86400, 3600])
    subscribe(event, [3600, 86400])
    subscribe(event, [3600])
    subscribe(event, [])
    assert len(signals) == 1


def test_one_new_time_is_enough_to_wake_it(signals):
    event = EventFactory()
    subscribe(event, [86400, 3600])
    subscribe(event, [3600, 600])
    assert len(signals) == 2


def test_times_of_other_events_or_unconfirmed_subscriptions_do_not_count(signals):
    event = EventFactory()
    ReminderOffsetFactory(offset_seconds=3600)  # another event's
    ReminderOffsetFactory(subscription=SubscriptionFactory(event=event, confirmed_at=None))
    subscribe(event, [3600])
    assert signals == [(event.pk, "reminders_changed")]


def test_confirming_by_email_wakes_it_only_for_a_time_not_planned(signals):
    event = EventFactory()
    subscribe(event, [86400])
    pending = [
        SubscriptionFactory(event=event, confirmed_at=None, user=UserFactory()) for _ in range(2)
    ]
    ReminderOffsetFactory(subscription=pending[0], offset_seconds=86400)
    ReminderOffsetFactory(subscription=pending[1], offset_seconds=600)
    for subscription in pending:
        services.subscription_confirm(token=make_confirmation_token(subscription))
    assert len(signals) == 2  # the first subscriber's, and 600 s's
