"""Subscriptions API: subscribe with selectors and reminder times, list, change, end."""

import pytest

from subscriptions.models import Subscription
from tests.factories import EventFactory, IntegrationFactory, SubscriptionFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def subscribe(client, event, **body):
    return client.post(f"/api/events/{event.pk}/subscribe", body, format="json")


def test_subscribe_with_an_integration_and_default_reminders(temporal_address, user):
    event = EventFactory()
    integration = IntegrationFactory(user=user)
    response = subscribe(client_for(user), event, integration_ids=[integration.pk])
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["integration_ids"] == [integration.pk]
    assert body["reminder_offsets"] == [86400, 3600]
    assert body["event"]["id"] == event.pk and body["is_confirmed"] is True


def test_the_201_shows_the_subscription_as_stored(temporal_address, user):
    event = EventFactory()
    integration = IntegrationFactory(user=user)
    client = client_for(user)
    response = subscribe(
        client, event, integration_ids=[integration.pk], tags=["work"], reminder_offsets=[60, 7200]
    )
    assert response.status_code == 201, response.content
    stored = client.get(f"/api/subscriptions/{response.json()['id']}")
    assert response.json() == stored.json()
    assert response.json()["reminder_offsets"] == [7200, 60]


def test_explicit_empty_offsets_mean_no_reminders(temporal_address, user):
    response = subscribe(client_for(user), EventFactory(), reminder_offsets=[])
    assert response.json()["reminder_offsets"] == []


@pytest.mark.parametrize(
    "offsets",
    [[0], [-60], [60, 60], list(range(1, 12)), ["3600"], [1.5], "3600", [True]],
)
def test_bad_reminder_offsets_are_a_400_naming_the_field(temporal_address, user, offsets):
    response = subscribe(client_for(user), EventFactory(), reminder_offsets=offsets)
    assert response.status_code == 400
    assert "reminder_offsets" in response.json()
    assert Subscription.objects.count() == 0


def test_subscribing_twice_is_a_409(temporal_address, user):
    event = EventFactory()
    assert subscribe(client_for(user), event).status_code == 201
    response = subscribe(client_for(user), event)
    assert response.status_code == 409
    assert Subscription.objects.count() == 1


def test_someone_elses_or_an_inactive_integration_is_refused(temporal_address, user):
    event = EventFactory()
    theirs = IntegrationFactory()
    inactive = IntegrationFactory(user=user, is_active=False)
    for ids in ([theirs.pk], [inactive.pk], [999999]):
        response = subscribe(client_for(user), event, integration_ids=ids)
        assert response.status_code == 400
        assert "integration_ids" in response.json()
    assert Subscription.objects.count() == 0


def test_subscribe_when_temporal_is_down_is_a_503_and_stores_nothing(temporal_down, user):
    response = subscribe(client_for(user), EventFactory())
    assert response.status_code == 503
    assert Subscription.objects.count() == 0


def test_a_private_event_one_cannot_see_cannot_be_subscribed(temporal_address, user):
    response = subscribe(client_for(user), EventFactory(is_public=False))
    assert response.status_code == 404


def test_a_cancelled_event_takes_no_subscribers(temporal_address, user):
    response = subscribe(client_for(user), EventFactory(status="cancelled"))
    assert response.status_code == 409


def test_anonymous_subscribe_is_by_email(api):
    # Without credentials the caller subscribes by email (tests/subscriptions/test_email_only.py).
    response = subscribe(api, EventFactory())
    assert response.status_code == 400
    assert "email" in response.json()


def test_a_bad_bearer_token_is_still_a_401(api):
    api.credentials(HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert subscribe(api, EventFactory(), email="a@example.org").status_code == 401


def test_list_change_and_unsubscribe_only_my_own(temporal_address, user):
    mine = SubscriptionFactory(user=user)
    theirs = SubscriptionFactory()
    client = client_for(user)
    assert [s["id"] for s in client.get("/api/subscriptions").json()["results"]] == [mine.pk]
    for method in ("get", "patch", "delete"):
        assert (
            getattr(client, method)(
                f"/api/subscriptions/{theirs.pk}", {}, format="json"
            ).status_code
            == 404
        )
    channel = IntegrationFactory(user=user, tag="phone")
    response = client.patch(
        f"/api/subscriptions/{mine.pk}",
        {"integration_ids": [channel.pk], "tags": ["Phone"], "reminder_offsets": [600]},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["integration_ids"], body["tags"], body["reminder_offsets"]) == (
        [channel.pk],
        ["phone"],
        [600],
    )
    response = client.patch(
        f"/api/subscriptions/{mine.pk}", {"reminder_offsets": [0]}, format="json"
    )
    assert response.status_code == 400 and "reminder_offsets" in response.json()
    assert client.get(f"/api/subscriptions/{mine.pk}").json()["reminder_offsets"] == [600]
    assert client.delete(f"/api/subscriptions/{mine.pk}").status_code == 204
    assert not Subscription.objects.filter(pk=mine.pk).exists()
    assert Subscription.objects.filter(pk=theirs.pk).exists()


def test_another_user_cannot_subscribe_my_integration(temporal_address):
    owner = UserFactory()
    integration = IntegrationFactory(user=owner)
    response = subscribe(
        client_for(UserFactory()), EventFactory(), integration_ids=[integration.pk]
    )
    assert response.status_code == 400
