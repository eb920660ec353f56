"""A channel failing during a broadcast: a server error for a minute is outlasted by the
retries; a refused credential fails at once, with its reason and without the secret."""

import json
import logging
import threading

import pytest

from notifications.models import Delivery
from tests.bulk import add_subscribers
from tests.events.test_api import new_event
from tests.factories import UserFactory
from tests.helpers import client_for, wait_for
from tests.notifications.test_broadcast import history, workflow_status

pytestmark = [pytest.mark.faults, pytest.mark.temporal, pytest.mark.django_db(transaction=True)]

SUBSCRIBERS = 5
OUTAGE = 60.0  # seconds of 500 answers


def broadcast_update(urls: list[str]):
    """An event with one subscriber per URL, then a change they are all told about."""
    organizer = client_for(UserFactory())
    event = organizer.post("/api/events", new_event(location="Old hall"), format="json").json()
    subscriptions = add_subscribers(event["id"], urls)
    response = organizer.patch(f"/api/events/{event['id']}", {"location": "Pier 9"}, format="json")
    assert response.status_code == 200
    updates = Delivery.objects.filter(event_id=event["id"], kind="update")
    return f"notice-update-{event['id']}-2", updates, [s.pk for s in subscriptions]


def test_a_channel_answering_500_for_a_minute_ends_with_every_delivery_sent(temporal_worker, sink):
    """SEND_RETRY backs off 1, 2, 4 … 30 s over 8 attempts (about 1.5 min): a minute of
    server errors leaves at least one attempt after the channel is back."""
    sink.status = 500
    notice, updates, subscriptions = broadcast_update(
        [sink.url(f"/r{i}") for i in range(SUBSCRIBERS)]
    )
    path_of = {pk: f"/r{i}" for i, pk in enumerate(subscriptions)}
    wait_for(lambda: sink.received, message="the first attempt")
    back = threading.Timer(OUTAGE, lambda: setattr(sink, "status", 200))
    back.start()
    try:
        wait_for(
            lambda: updates.filter(status="sent").count() == SUBSCRIBERS,
            timeout=OUTAGE + 90,
            message="every delivery sent after the outage",
        )
    finally:
        back.cancel()
    wait_for(lambda: workflow_status(notice) == "COMPLETED", message="the notice to complete")

    assert updates.count() == SUBSCRIBERS
    for row in updates:
        assert row.attempts >= 2 and row.last_error == ""
        path = path_of[row.subscription_id]
        assert sum(1 for r in sink.received if r.path == path) == row.attempts, path


def test_a_channel_refusing_the_credential_fails_once_with_a_redacted_reason(
    temporal_worker, sink, caplog
):
    caplog.set_level(logging.DEBUG)
    sink.status = 401
    secret = "s3cr3t-pa55"
    urls = [f"json://ada:{secret}@{sink.netloc}/a{i}?token={secret}" for i in range(SUBSCRIBERS)]
    notice, updates, _ = broadcast_update(urls)
    wait_for(
        lambda: updates.filter(status="failed").count() == SUBSCRIBERS,
        message="every delivery failed",
    )
    wait_for(lambda: workflow_status(notice) == "COMPLETED", message="the notice to complete")

    assert updates.count() == SUBSCRIBERS
    for row in updates:
        assert row.attempts == 1  # permanent: not retried
        assert "401" in row.last_error
        assert secret not in row.last_error
    assert sorted(r.path.split("?")[0] for r in sink.received) == sorted(
        f"/a{i}" for i in range(SUBSCRIBERS)
    )
    assert secret not in caplog.text
    assert secret not in json.dumps(history(notice).to_json_dict())
