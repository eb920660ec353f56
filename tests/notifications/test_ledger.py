"""The ledger: permanent failures are not retried, transient ones are, staff can resend,
and people read what was sent to them."""

import threading

import pytest

from notifications.models import Delivery
from notifications.services import deliveries_resend
from tests.events.test_api import new_event
from tests.factories import DeliveryFactory, IntegrationFactory, UserFactory
from tests.helpers import client_for, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def subscribed_channel(sink, **integration):
    """An organizer's event and a subscriber whose one channel is the sink."""
    organizer, subscriber = UserFactory(), UserFactory()
    channel = IntegrationFactory(user=subscriber, apprise_url=sink.url("/hook"), **integration)
    event = client_for(organizer).post("/api/events", new_event(), format="json").json()
    response = client_for(subscriber).post(
        f"/api/events/{event['id']}/subscribe", {"integration_ids": [channel.pk]}, format="json"
    )
    assert response.status_code == 201
    return client_for(organizer), event, subscriber


@pytest.mark.temporal
def test_a_refused_credential_fails_once_with_its_reason_and_staff_can_resend(
    temporal_worker, sink
):
    sink.status = 401
    subscribed_channel(sink)
    welcome = Delivery.objects.filter(kind="welcome")
    wait_for(lambda: welcome.filter(status="failed").exists(), message="the welcome to fail")
    failed = welcome.get()
    assert failed.attempts == 1  # permanent: not retried
    assert "401" in failed.last_error
    assert len(sink.received) == 1

    sink.status = 200
    assert deliveries_resend(deliveries=Delivery.objects.all()) == 1
    wait_for(lambda: welcome.filter(status="sent").exists(), message="the resend")
    assert welcome.get().attempts == 2
    assert Delivery.objects.count() == 1  # the same row, not a new one


@pytest.mark.temporal
def test_a_channel_failing_for_a_while_ends_sent(temporal_worker, sink):
    sink.status = 500
    threading.Timer(2.5, lambda: setattr(sink, "status", 200)).start()
    subscribed_channel(sink)
    welcome = Delivery.objects.filter(kind="welcome")
    wait_for(lambda: welcome.filter(status="sent").exists(), timeout=30, message="recovery")
    row = welcome.get()
    assert row.attempts >= 2 and row.last_error == ""
    assert sum(1 for r in sink.received if r.path == "/hook") == row.attempts


def test_people_read_their_own_ledger_only(api):
    mine = DeliveryFactory(status="sent", sent_at="2026-01-01T00:00:00Z", kind="update")
    DeliveryFactory(recipient=mine.recipient, kind="welcome", status="failed", last_error="nope")
    DeliveryFactory()  # someone else's
    client = client_for(mine.recipient)
    body = client.get("/api/deliveries").json()
    assert body["count"] == 2
    assert {d["kind"] for d in body["results"]} == {"update", "welcome"}
    failed = client.get("/api/deliveries", {"status": "failed"}).json()["results"]
    assert [d["last_error"] for d in failed] == ["nope"]
    assert client.get("/api/deliveries", {"status": "bogus"}).status_code == 400
    assert api.get("/api/deliveries").status_code == 401
