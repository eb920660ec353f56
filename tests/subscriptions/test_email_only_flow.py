"""An email-only subscriber's whole life over real SMTP (a local sink) and the dev server:
confirmation only, then welcome and reminders by email, until the unsubscribe link ends them."""

import re
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from tests.events.test_api import new_event
from tests.factories import UserFactory
from tests.helpers import client_for, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.temporal]


def link_token(text: str, path: str) -> str:
    url = re.search(rf"https?://\S+{re.escape(path)}\?\S+", text).group(0)
    return parse_qs(urlparse(url).query)["token"][0]


def test_confirm_then_reminders_by_email_until_the_unsubscribe_link(
    temporal_worker, smtp_sink, api
):
    address = "walk-in@example.org"
    start = (timezone.now() + timedelta(seconds=40)).replace(microsecond=0)
    organizer = client_for(UserFactory())
    event = organizer.post(
        "/api/events", new_event(name="Night market", start=start.isoformat()), format="json"
    ).json()

    response = api.post(
        f"/api/events/{event['id']}/subscribe",
        {"email": address, "reminder_offsets": [30, 15]},
        format="json",
    )
    assert response.status_code == 202
    wait_for(lambda: len(smtp_sink.to(address)) == 1, message="the confirmation")
    time.sleep(1.5)
    [confirmation] = smtp_sink.to(address)  # nothing else before confirming
    token = link_token(smtp_sink.text(confirmation), "/subscriptions/confirm")

    assert (
        api.post("/api/subscriptions/confirm", {"token": token}, format="json").status_code == 200
    )
    wait_for(lambda: len(smtp_sink.to(address)) == 2, message="the welcome")
    welcome = smtp_sink.to(address)[1]
    assert "Night market" in welcome["Subject"]
    unsubscribe = link_token(smtp_sink.text(welcome), "/unsubscribe")

    wait_for(lambda: len(smtp_sink.to(address)) == 3, timeout=30, message="the 30 s reminder")
    reminder = smtp_sink.to(address)[2]
    assert "starts in 30 seconds" in reminder["Subject"]
    assert abs(time.time() - (start.timestamp() - 30)) < 5

    assert api.post("/api/unsubscribe", {"token": unsubscribe}, format="json").status_code == 204
    time.sleep(max(0.0, start.timestamp() - 15 - time.time()) + 3)  # past the 15 s reminder
    assert len(smtp_sink.to(address)) == 3  # the unsubscribe link ended them
