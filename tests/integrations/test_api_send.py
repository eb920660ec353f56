"""POST /api/integrations/{id}/test: a real send to the local sink, recorded in the ledger."""

import logging

import pytest
from django.core import mail
from django.urls import reverse

from integrations.models import Integration
from notifications.models import Delivery
from soonish.throttling import ScopedThrottle
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db

SECRET = "s3cret-pass-51d2"
TOKEN = "t0ken-path-8e0f"


def send_path(integration) -> str:
    return f"/api/integrations/{integration.pk}/test"


@pytest.fixture
def channel(user, sink):
    """The user's integration pointing at the sink, with a password and a token in its URL."""
    return IntegrationFactory(
        user=user, name="Sink", apprise_url=f"json://hook:{SECRET}@{sink.netloc}/in/{TOKEN}"
    )


def test_a_test_send_reaches_the_channel_and_is_recorded(auth_api, user, channel, sink):
    response = auth_api.post(send_path(channel))
    assert response.status_code == 200
    assert response.json() == {"ok": True, "permanent": False, "reason": ""}
    [request] = sink.received
    assert request.path == f"/in/{TOKEN}"
    assert request.json["title"] == "Soonish test: Sink"
    assert "test message from Soonish" in request.json["message"]
    delivery = Delivery.objects.get()
    assert (delivery.kind, delivery.status, delivery.attempts) == ("test", "sent", 1)
    assert (delivery.recipient, delivery.integration) == (user, channel)
    assert delivery.destination == channel.masked_url
    assert delivery.subject == "Soonish test: Sink"
    assert delivery.sent_at and not delivery.last_error
    assert delivery.idempotency_key.startswith(f"test:{channel.pk}:")


def test_each_test_send_is_its_own_ledger_row(auth_api, channel):
    auth_api.post(send_path(channel))
    auth_api.post(send_path(channel))
    assert Delivery.objects.filter(kind="test").count() == 2


def test_a_server_error_is_reported_as_a_transient_502(auth_api, channel, sink):
    sink.status = 500
    response = auth_api.post(send_path(channel))
    assert response.status_code == 502
    body = response.json()
    assert (body["ok"], body["permanent"]) == (False, False)
    assert "500" in body["reason"]
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.sent_at) == ("failed", 1, None)
    assert delivery.last_error == body["reason"]


def test_a_refusal_by_the_channel_is_reported_as_permanent(auth_api, channel, sink):
    sink.status = 401
    body = auth_api.post(send_path(channel)).json()
    assert (body["ok"], body["permanent"]) == (False, True)
    assert "401" in body["reason"]


def test_a_url_stored_before_the_guard_is_refused_at_send_time(auth_api, user, make_sink):
    target = make_sink()  # loopback, and no allow-list
    integration = IntegrationFactory(user=user, apprise_url=target.url())
    body = auth_api.post(send_path(integration)).json()
    assert (body["ok"], body["permanent"]) == (False, True)
    assert "loopback address" in body["reason"]
    assert target.connections == 0


def test_the_email_kind_is_sent_through_the_service_mail(auth_api):
    created = auth_api.post(
        "/api/integrations",
        {"name": "Inbox", "kind": "email", "config": {"address": "me@example.com"}},
        format="json",
    ).json()
    response = auth_api.post(f"/api/integrations/{created['id']}/test")
    assert response.status_code == 200
    [message] = mail.outbox
    assert (message.to, message.subject) == (["me@example.com"], "Soonish test: Inbox")
    assert Delivery.objects.get().destination == "mailto:me***@example.com"


def test_test_sends_are_throttled_with_retry_after(auth_api, channel):
    throttle = ScopedThrottle()
    allowed, _ = throttle.parse_rate(throttle.THROTTLE_RATES["test_send"])
    for _ in range(allowed):
        assert auth_api.post(send_path(channel)).status_code == 200
    response = auth_api.post(send_path(channel))
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert Delivery.objects.count() == allowed


def test_no_secret_in_any_response_or_log(auth_api, user, sink, caplog):
    caplog.set_level(logging.DEBUG)
    config = {"url": f"http://hook:{SECRET}@{sink.netloc}/in/{TOKEN}?key={TOKEN}"}
    webhook = {"name": "w", "kind": "webhook", "config": config}
    responses = [
        auth_api.post("/api/integrations", webhook, format="json"),
        auth_api.post("/api/integrations", webhook, format="json"),  # a duplicate
    ]
    pk = responses[0].json()["id"]
    for status in (200, 401, 500):
        sink.status = status
        responses.append(auth_api.post(f"/api/integrations/{pk}/test"))
    sink.stop()
    responses += [
        auth_api.post(f"/api/integrations/{pk}/test"),
        auth_api.get("/api/integrations"),
        auth_api.get(f"/api/integrations/{pk}"),
        auth_api.patch(f"/api/integrations/{pk}", {"name": "renamed"}, format="json"),
        auth_api.patch(
            f"/api/integrations/{pk}", {"config": {**config, "method": "GET"}}, format="json"
        ),
        auth_api.post(
            "/api/integrations", {"name": "x", "kind": "custom", "url": "json://"}, format="json"
        ),
    ]
    assert SECRET in Integration.objects.get().apprise_url
    assert len({r.status_code for r in responses}) > 3  # successes and failures alike
    ledger = " ".join(d.last_error + d.destination for d in Delivery.objects.all())
    logged = caplog.text + " ".join(r.getMessage() for r in caplog.records)
    for text in [r.content.decode() for r in responses] + [ledger, logged]:
        assert SECRET not in text
        assert TOKEN not in text


def test_staff_can_send_a_test_from_the_admin(client, channel, sink):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:integrations_integration_changelist")
    response = client.post(
        changelist,
        {"action": "send_test", "_selected_action": [channel.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "Sink (custom): test message sent." in page
    assert SECRET not in page and TOKEN not in page
    assert len(sink.received) == 1
    sink.status = 403
    page = client.post(
        changelist, {"action": "send_test", "_selected_action": [channel.pk]}, follow=True
    ).content.decode()
    assert "test failed" in page and "403" in page
    assert Delivery.objects.filter(kind="test").count() == 2
