"""Constraints live in the database, not only in forms."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction

from soonish.accounts.models import User
from tests.factories import (
    DeliveryFactory,
    EventFactory,
    IntegrationFactory,
    InvitationFactory,
    ReminderOffsetFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(factory, **kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def test_email_is_unique_whatever_its_case():
    UserFactory(email="Ada@Example.org")
    assert User.objects.get().email == "ada@example.org"
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.bulk_create([User(email="ADA@example.org")])


def test_event_end_cannot_precede_start():
    event = EventFactory.build()
    refused(EventFactory, start=event.start, end=event.start - timedelta(minutes=1))


def test_one_subscription_per_user_and_event():
    subscription = SubscriptionFactory()
    refused(SubscriptionFactory, event=subscription.event, user=subscription.user)


def test_reminder_offsets_are_positive_and_unique_per_subscription():
    reminder = ReminderOffsetFactory(offset_seconds=3600)
    refused(ReminderOffsetFactory, subscription=reminder.subscription, offset_seconds=3600)
    refused(ReminderOffsetFactory, subscription=reminder.subscription, offset_seconds=0)


def test_integration_name_and_tag_are_unique_per_user():
    integration = IntegrationFactory(name="phone", tag="urgent")
    refused(IntegrationFactory, user=integration.user, name="phone", tag="urgent")
    IntegrationFactory(user=integration.user, name="phone", tag="other")
    IntegrationFactory(name="phone", tag="urgent")  # another user


def test_one_invitation_per_address_and_event():
    invitation = InvitationFactory(email="guest@example.org")
    refused(InvitationFactory, event=invitation.event, email="GUEST@example.org")


def test_delivery_idempotency_key_is_unique_and_sent_rows_have_a_time():
    delivery = DeliveryFactory()
    refused(DeliveryFactory, idempotency_key=delivery.idempotency_key)
    refused(DeliveryFactory, status="sent", sent_at=None)


def test_email_only_user_has_no_usable_password():
    user = User.objects.create_user("someone@example.org")
    assert user.is_email_only
    assert not user.check_password("")
