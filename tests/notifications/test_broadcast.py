"""The core loop through the HTTP API, a real Temporal dev server and worker, and a local sink:
an organizer changes or cancels an event and every subscriber hears of it, once."""

import json
import logging
import time

import pytest

from events.models import Event
from notifications.models import Delivery
from tests.bulk import add_subscribers
from tests.events.test_api import new_event
from tests.factories import UserFactory
from tests.helpers import client_for, wait_for
from workflows.client import call

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.temporal]


def history(workflow_id: str):
    async def fetch(client):
        return await client.get_workflow_handle(workflow_id).fetch_history()

    return call(fetch, timeout=30)


def workflow_status(workflow_id: str) -> str:
    async def describe(client):
        return (await client.get_workflow_handle(workflow_id).describe()).status.name

    return call(describe)


def test_a_subscriber_hears_the_welcome_the_change_and_the_cancellation(
    temporal_worker, sink, caplog, client
):
    caplog.set_level(logging.DEBUG)
    organizer, subscriber = client_for(UserFactory()), client_for(UserFactory())
    secret_url = sink.url("/b-hook?token=s3cr3t-t0ken")
    channel = subscriber.post(
        "/api/integrations", {"name": "sink", "kind": "custom", "url": secret_url}, format="json"
    )
    assert channel.status_code == 201, channel.content
    event = organizer.post("/api/events", new_event(location="Old hall"), format="json").json()

    response = subscriber.post(
        f"/api/events/{event['id']}/subscribe",
        {"integration_ids": [channel.json()["id"]]},
        format="json",
    )
    assert response.status_code == 201
    wait_for(lambda: len(sink.received) >= 1, message="the welcome")
    assert sink.received[0].json["title"].startswith("Subscribed")

    response = organizer.patch(
        f"/api/events/{event['id']}", {"location": "New hall"}, format="json"
    )
    assert response.status_code == 200
    wait_for(lambda: len(sink.received) >= 2, message="the update")
    update = sink.received[1].json
    assert update["title"].startswith("Changed")
    assert "Old hall → New hall" in update["message"]

    assert organizer.delete(f"/api/events/{event['id']}").status_code == 204
    wait_for(lambda: len(sink.received) >= 3, message="the cancellation")
    assert sink.received[2].json["title"].startswith("Cancelled")
    assert sink.received[2].json["type"] == "failure"  # critical

    wait_for(lambda: workflow_status(f"event-{event['id']}") == "COMPLETED", message="the end")
    time.sleep(1)
    assert len(sink.received) == 3  # once each, nothing more
    assert Event.objects.get(pk=event["id"]).status == "cancelled"
    sent = Delivery.objects.filter(status="sent")
    wait_for(lambda: sent.count() == 3, message="the ledger to record all three")
    assert sorted(sent.values_list("kind", flat=True)) == ["cancel", "update", "welcome"]
    # The URL's secret appears in no workflow history.
    for workflow_id in [f"event-{event['id']}"] + [
        f"notice-{kind}-{event['id']}-{ref}" for kind, ref in [("update", 2), ("cancel", 3)]
    ]:
        assert "s3cr3t" not in json.dumps(history(workflow_id).to_json_dict())
    # ... nor in any log line, nor on any admin page staff would open.
    assert "s3cr3t" not in caplog.text
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for page in [
        "/admin/notifications/delivery/",
        f"/admin/notifications/delivery/{Delivery.objects.first().pk}/change/",
        "/admin/integrations/integration/",
        f"/admin/integrations/integration/{channel.json()['id']}/change/",
        f"/admin/events/event/{event['id']}/change/",
        "/admin/subscriptions/subscription/",
    ]:
        response = client.get(page)
        assert response.status_code == 200, page
        assert "s3cr3t" not in response.content.decode(), page


def test_two_thousand_subscribers_each_hear_one_update(temporal_worker, sink):
    organizer = client_for(UserFactory())
    event = organizer.post("/api/events", new_event(location="Old hall"), format="json").json()
    add_subscribers(event["id"], [sink.url(f"/s{i}") for i in range(2000)])

    response = organizer.patch(f"/api/events/{event['id']}", {"location": "Pier 9"}, format="json")
    assert response.status_code == 200
    wait_for(lambda: len(sink.received) >= 2000, timeout=120, message="2,000 updates")
    time.sleep(1)
    paths = [r.path for r in sink.received]
    assert len(paths) == 2000 and len(set(paths)) == 2000
    sent = Delivery.objects.filter(event_id=event["id"], kind="update", status="sent")
    wait_for(lambda: sent.count() == 2000, message="the ledger to record 2,000 sends")
    event_history = history(f"event-{event['id']}")
    notice_history = history(f"notice-update-{event['id']}-2")
    assert len(event_history.events) < 2000
    assert len(notice_history.events) < 2000


def test_a_subscription_with_no_channel_is_mailed_to_the_subscriber(temporal_worker, mailoutbox):
    organizer, subscriber = client_for(UserFactory()), UserFactory(email="nochannel@example.org")
    event = organizer.post("/api/events", new_event(name="Quiet gig"), format="json").json()
    response = client_for(subscriber).post(
        f"/api/events/{event['id']}/subscribe", {}, format="json"
    )
    assert response.status_code == 201
    wait_for(lambda: len(mailoutbox) >= 1, message="the welcome email")
    assert mailoutbox[0].to == ["nochannel@example.org"]
    assert "Quiet gig" in mailoutbox[0].subject
    # The ledger row is marked after the send returns: wait for that too.
    sent = Delivery.objects.filter(kind="welcome", status="sent")
    wait_for(sent.exists, message="the ledger to record it")
    assert sent.get().destination == "service email"


def test_the_workflow_answers_its_status_query(temporal_worker):
    from workflows.client import describe_event_workflow

    organizer = client_for(UserFactory())
    event = organizer.post("/api/events", new_event(), format="json").json()
    organizer.patch(f"/api/events/{event['id']}", {"name": "Renamed"}, format="json")
    wait_for(
        lambda: describe_event_workflow(event["id"]).handled_revision == 2,
        message="the workflow to handle revision 2",
    )
    status = describe_event_workflow(event["id"])
    assert (status.event_id, status.status, status.revision) == (event["id"], "scheduled", 2)
    assert status.notices_started == 1
