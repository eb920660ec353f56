"""One factory per model."""

from datetime import timedelta

import factory
from django.utils import timezone

from events.models import Event, Invitation
from integrations.models import Integration
from notifications.models import Delivery
from soonish.accounts.models import User
from soonish.tokens import new_token
from subscriptions.models import ReminderOffset, Subscription, UnsubscribeToken

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    is_verified = True
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EmailOnlyUserFactory(UserFactory):
    """Someone who subscribed by email and never registered: no usable password."""

    is_verified = False
    password = factory.PostGenerationMethodCall("set_unusable_password")

    # Redeclared so it runs after this class's `password` (post-generation order is
    # declaration order, and overriding `password` moved it last).
    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    name = factory.Sequence(lambda n: f"Event {n}")
    description = "A gathering."
    start = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(hours=2))
    time_zone = "Europe/Paris"
    location = "Town hall"
    organizer = factory.SubFactory(UserFactory)
    tags = factory.LazyFunction(lambda: ["community"])


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    event = factory.SubFactory(EventFactory, is_public=False)
    email = factory.Sequence(lambda n: f"guest{n}@example.com")
    token_hash = factory.LazyFunction(lambda: new_token()[1])
    invited_by = factory.LazyAttribute(lambda o: o.event.organizer)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class IntegrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Integration

    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"channel {n}")
    kind = Integration.Kind.CUSTOM
    apprise_url = factory.Sequence(lambda n: f"json://hook:s3cret-token-{n}@127.0.0.1:9/hook")


class SubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subscription

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(UserFactory)
    confirmed_at = factory.LazyFunction(timezone.now)


class ReminderOffsetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReminderOffset

    subscription = factory.SubFactory(SubscriptionFactory)
    event = factory.LazyAttribute(lambda o: o.subscription.event)
    offset_seconds = 3600


class UnsubscribeTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnsubscribeToken

    subscription = factory.SubFactory(SubscriptionFactory)
    expires_at = factory.LazyFunction(
        lambda: timezone.now() + timedelta(days=UnsubscribeToken.LIFETIME_DAYS)
    )


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
    kind = Delivery.Kind.UPDATE
    subscription = factory.SubFactory(SubscriptionFactory)
    event = factory.LazyAttribute(lambda o: o.subscription.event)
    recipient = factory.LazyAttribute(lambda o: o.subscription.user)
    destination = "service email"
