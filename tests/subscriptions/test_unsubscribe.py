"""One-click unsubscribe (SPEC §2, §4): every message to a subscriber carries a link that ends
the subscription once, expires after 60 days, and costs the fan-out no query per subscriber."""

import math
import re
import time
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import EventChange
from integrations.sending import SendResult
from notifications import fanout
from notifications.models import Delivery
from soonish.accounts.models import User
from subscriptions.models import Subscription, UnsubscribeToken
from subscriptions.services import unsubscribe_links
from subscriptions.tokens import make_unsubscribe_token
from tests.events.test_api import new_event
from tests.factories import (
    EventFactory,
    IntegrationFactory,
    SubscriptionFactory,
    UnsubscribeTokenFactory,
    UserFactory,
)
from tests.helpers import client_for, wait_for

_LINK = re.compile(r"Unsubscribe: http://testserver/unsubscribe\?(\S+)$")


def token_in(text: str) -> str:
    """The token of the unsubscribe link that ends a message."""
    found = _LINK.search(text)
    assert found, f"no unsubscribe link at the end of {text!r}"
    return parse_qs(found[1])["token"][0]


def unsubscribe(api, token):
    return api.post("/api/unsubscribe", {} if token is None else {"token": token}, format="json")


def token_for(row: UnsubscribeToken) -> str:
    return make_unsubscribe_token(subscription_id=row.subscription_id, token_id=row.pk)


# --- end to end: the link in real messages ----------------------------------------------------


@pytest.mark.temporal
def test_the_welcome_ends_with_a_link_that_unsubscribes_once(temporal_worker, sink, api):
    subscriber = UserFactory()
    channel = IntegrationFactory(user=subscriber, apprise_url=sink.url("/me"))
    event = EventFactory()
    response = client_for(subscriber).post(
        f"/api/events/{event.pk}/subscribe", {"integration_ids": [channel.pk]}, format="json"
    )
    assert response.status_code == 201
    wait_for(lambda: sink.received, message="the welcome")
    welcome = sink.received[0].json
    assert welcome["title"].startswith("Subscribed")
    token = token_in(welcome["message"])

    assert unsubscribe(api, token).status_code == 204
    assert not Subscription.objects.filter(event=event).exists()

    again = unsubscribe(api, token)
    assert again.status_code == 400
    assert "token" in again.json()


@pytest.mark.temporal
def test_after_unsubscribing_a_later_update_sends_them_nothing(temporal_worker, sink, client):
    organizer = client_for(UserFactory())
    event = organizer.post("/api/events", new_event(location="Old hall"), format="json").json()
    for path in ("/stays", "/leaves"):
        subscriber = UserFactory()
        channel = IntegrationFactory(user=subscriber, apprise_url=sink.url(path))
        response = client_for(subscriber).post(
            f"/api/events/{event['id']}/subscribe",
            {"integration_ids": [channel.pk]},
            format="json",
        )
        assert response.status_code == 201
    wait_for(lambda: len(sink.received) >= 2, message="both welcomes")
    [leaving] = [r for r in sink.received if r.path == "/leaves"]
    # Through the page, as a person following the link would.
    page = client.post("/unsubscribe", {"token": token_in(leaving.json["message"])})
    assert page.status_code == 200

    organizer.patch(f"/api/events/{event['id']}", {"location": "New hall"}, format="json")

    wait_for(lambda: len(sink.received) >= 3, message="the update to who stayed")
    time.sleep(1)
    assert [(r.path, r.json["title"].split(":")[0]) for r in sink.received[2:]] == [
        ("/stays", "Changed")
    ]
    assert token_in(sink.received[2].json["message"])  # updates carry the link too
    updates = Delivery.objects.filter(event_id=event["id"], kind="update")
    wait_for(lambda: updates.filter(status="sent").count() == 1, message="the ledger")
    assert updates.count() == 1


# --- the API and the page ---------------------------------------------------------------------


def test_an_expired_link_is_a_400_and_keeps_the_subscription(db, api):
    row = UnsubscribeTokenFactory(expires_at=timezone.now() - timedelta(minutes=1))

    response = unsubscribe(api, token_for(row))

    assert response.status_code == 400
    assert "expired" in response.json()["token"][0]
    assert Subscription.objects.filter(pk=row.subscription_id).exists()


@pytest.mark.parametrize("kind", ["garbage", "tampered", "unknown row", "other's row", "missing"])
def test_unknown_tampered_or_missing_tokens_are_a_400_naming_token(db, api, kind):
    row = UnsubscribeTokenFactory()
    other = UnsubscribeTokenFactory()
    token = {
        "garbage": "not-a-token",
        "tampered": token_for(row)[:-2] + "xx",
        "unknown row": make_unsubscribe_token(subscription_id=row.subscription_id, token_id=999),
        "other's row": make_unsubscribe_token(
            subscription_id=row.subscription_id, token_id=other.pk
        ),
        "missing": None,
    }[kind]

    response = unsubscribe(api, token)

    assert response.status_code == 400
    assert "token" in response.json()
    assert Subscription.objects.count() == 2


def test_the_api_needs_no_session_and_no_csrf(db):
    from rest_framework.test import APIClient

    row = UnsubscribeTokenFactory()
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(UserFactory())  # someone else's session in the same browser
    assert unsubscribe(browser, token_for(row)).status_code == 204


def test_the_page_shows_what_it_unsubscribes_and_only_a_post_does_it(db, client):
    row = UnsubscribeTokenFactory(subscription__event__name="Night market")
    token = token_for(row)

    page = client.get("/unsubscribe", {"token": token})

    assert page.status_code == 200
    html = page.content.decode()
    assert "Night market" in html and '<form method="post">' in html
    assert row.subscription.user.email not in html  # the link may sit in a shared channel
    assert Subscription.objects.filter(pk=row.subscription_id).exists()

    done = client.post("/unsubscribe", {"token": token})

    assert done.status_code == 200
    assert "You are unsubscribed from <strong>Night market</strong>" in done.content.decode()
    assert not Subscription.objects.filter(pk=row.subscription_id).exists()
    assert client.get("/unsubscribe", {"token": token}).status_code == 400
    assert client.post("/unsubscribe", {"token": token}).status_code == 400
    assert "incomplete" in client.get("/unsubscribe").content.decode()


# --- issuing links ----------------------------------------------------------------------------


def test_links_reuse_a_token_while_it_has_more_than_30_days_left(db):
    subscription = SubscriptionFactory()
    [first] = unsubscribe_links(subscription_ids=[subscription.pk]).values()
    assert unsubscribe_links(subscription_ids=[subscription.pk]) == {subscription.pk: first}
    assert UnsubscribeToken.objects.count() == 1

    UnsubscribeToken.objects.update(expires_at=timezone.now() + timedelta(days=29))
    [second] = unsubscribe_links(subscription_ids=[subscription.pk]).values()
    assert second != first
    assert UnsubscribeToken.objects.count() == 2
    row = UnsubscribeToken.objects.order_by("-expires_at").first()
    lifetime = row.expires_at - timezone.now()
    assert timedelta(days=59) < lifetime <= timedelta(days=UnsubscribeToken.LIFETIME_DAYS)
    # The older link still works until it expires.
    assert token_in(f"Unsubscribe: {first}")


def _subscribers(event, count: int) -> list[int]:
    """Confirmed subscribers with no channel (service email), created in bulk."""
    tag = f"{event.pk}-{count}"
    users = User.objects.bulk_create(
        User(email=f"s{tag}-{i}@example.org", password="!") for i in range(count)
    )
    now = timezone.now()
    subscriptions = Subscription.objects.bulk_create(
        Subscription(event=event, user=u, confirmed_at=now) for u in users
    )
    return [s.pk for s in subscriptions]


@pytest.mark.parametrize("count", [10, 100])
def test_issuing_links_takes_two_queries_whatever_the_count(db, django_assert_num_queries, count):
    ids = _subscribers(EventFactory(), count)

    with django_assert_num_queries(2):  # read the reusable tokens, insert the rest
        links = unsubscribe_links(subscription_ids=ids)
    with django_assert_num_queries(1):  # all reusable now
        assert unsubscribe_links(subscription_ids=ids) == links

    assert len(set(links.values())) == count
    assert UnsubscribeToken.objects.count() == count


def _update_notice(event) -> fanout.Notice:
    change = [{"field": "location", "old": "A", "new": "B"}]
    EventChange.objects.create(event=event, revision=2, kind="update", changes=change)
    return fanout.Notice(event.pk, "update", "2")


def test_a_batch_costs_no_query_per_subscriber(db, django_assert_max_num_queries):
    bodies = []

    def send(url, *, title, body, level):
        bodies.append(body)
        return SendResult(True)

    small = EventFactory()
    first_id = _subscribers(small, 10)[0]
    with CaptureQueriesContext(connection) as queries:
        assert fanout.send_batch(_update_notice(small), first_id, None, send=send).sent == 10
    large = EventFactory()
    first_id = _subscribers(large, 100)[0]
    notice = _update_notice(large)
    # By design the ledger records outcomes _FLUSH_EVERY at a time, and SQLite splits an
    # INSERT of 100 deliveries in two: that much more is expected. A query per subscriber
    # (90 more) is not.
    ledger = math.ceil(100 / fanout._FLUSH_EVERY) - math.ceil(10 / fanout._FLUSH_EVERY) + 1

    with django_assert_max_num_queries(len(queries) - 1 + ledger):  # -1: the EventChange
        assert fanout.send_batch(notice, first_id, None, send=send).sent == 100

    assert len({token_in(body) for body in bodies}) == 110  # each its own link
