"""The dashboard (events I organize, events I follow, editing my subscriptions) and
my notifications."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from notifications.models import Delivery
from subscriptions.models import Subscription
from tests.factories import (
    DeliveryFactory,
    EventFactory,
    IntegrationFactory,
    ReminderOffsetFactory,
    SubscriptionFactory,
)

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
CHRISTMAS_EVE = datetime(2026, 12, 24, 18, 0, tzinfo=PARIS)


@pytest.fixture
def me(client, user):
    client.force_login(user)
    return user


@pytest.fixture
def followed(me):
    """My subscription to an event on Thursday 24 Dec 2026, 18:00 Paris, reminded 1 day before."""
    event = EventFactory(name="Carols", start=CHRISTMAS_EVE, end=None)
    subscription = SubscriptionFactory(event=event, user=me)
    ReminderOffsetFactory(subscription=subscription, offset_seconds=86400)
    return subscription


def offsets_of(subscription) -> list[int]:
    return Subscription.objects.get(pk=subscription.pk).reminder_offsets


def test_dashboard_needs_a_login(client):
    response = client.get("/dashboard")
    assert response.status_code == 302 and response["Location"] == "/accounts/login?next=/dashboard"


def test_dashboard_lists_what_i_organize_with_counts_even_when_temporal_is_down(
    client, me, temporal_down
):
    mine = EventFactory(organizer=me, name="My meetup", start=CHRISTMAS_EVE)
    DeliveryFactory(subscription=SubscriptionFactory(event=mine), status="sent", sent_at=mine.start)
    SubscriptionFactory(event=mine)
    EventFactory(name="Somebody else's party")
    response = client.get("/dashboard")
    assert response.status_code == 200
    html = response.content.decode()
    assert "My meetup" in html and "Somebody else" not in html
    assert "Thu 24 Dec 2026, 18:00 (Europe/Paris)" in html
    assert "2 subscribers" in html and "1 sent" in html and "0 failed" in html
    for action in ("edit", "cancel", "announce", "invitations"):
        assert f'href="/events/{mine.pk}/{action}"' in html
    assert 'href="/events/new"' in html


def test_dashboard_shows_my_reminder_times_in_the_events_zone(client, followed):
    response = client.get("/dashboard")
    html = response.content.decode()
    assert "Carols" in html
    assert 'Wed 23 Dec 2026, 18:00 <span class="muted">(1 day before)</span>' in html


def test_edit_by_plain_post_saves_offsets_and_channels(client, me, followed):
    channel = IntegrationFactory(user=me, name="phone")
    data = {"offsets": ["3600", "600"], "integrations": [channel.pk]}
    response = client.post(f"/subscriptions/{followed.pk}/edit", data)
    assert response.status_code == 302 and response["Location"] == "/dashboard"
    assert offsets_of(followed) == [3600, 600]
    assert list(followed.integrations.values_list("pk", flat=True)) == [channel.pk]


def test_edit_with_a_custom_time(client, followed):
    data = {"offsets": ["86400"], "custom_amount": "2", "custom_unit": "days"}
    client.post(f"/subscriptions/{followed.pk}/edit", data)
    assert offsets_of(followed) == [172800, 86400]


def test_edit_through_htmx_answers_the_card_with_the_new_times(client, followed):
    response = client.post(
        f"/subscriptions/{followed.pk}/edit", {"offsets": ["10800"]}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and f'id="sub-{followed.pk}"' in html
    assert "Thu 24 Dec 2026, 15:00" in html and "3 hours before" in html
    assert offsets_of(followed) == [10800]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"custom_amount": "0", "custom_unit": "hours"}, "more than 0 seconds"),
        ({"custom_amount": "400", "custom_unit": "days"}, "at most a year"),
        ({"offsets": ["86400"], "custom_amount": "1", "custom_unit": "days"}, "listed twice"),
        ({"custom_amount": "x"}, "Enter a whole number."),
    ],
)
def test_edit_with_bad_offsets_changes_nothing(client, followed, data, message):
    response = client.post(f"/subscriptions/{followed.pk}/edit", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="field has-error"' in html and message in html
    assert offsets_of(followed) == [86400]
    htmx = client.post(f"/subscriptions/{followed.pk}/edit", data, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and message in htmx.content.decode()
    assert offsets_of(followed) == [86400]


def test_edit_refuses_someone_elses_channel(client, followed):
    theirs = IntegrationFactory()
    response = client.post(f"/subscriptions/{followed.pk}/edit", {"integrations": [theirs.pk]})
    assert response.status_code == 400 and followed.integrations.count() == 0
    assert offsets_of(followed) == [86400]


def test_edit_without_javascript_has_its_own_page(client, followed):
    response = client.get(f"/subscriptions/{followed.pk}/edit")
    assert response.status_code == 200 and b"Reminders for Carols" in response.content


def test_unsubscribe_asks_first_then_deletes(client, followed):
    page = client.get(f"/subscriptions/{followed.pk}/unsubscribe")
    assert page.status_code == 200 and b"Stop following Carols?" in page.content
    assert Subscription.objects.filter(pk=followed.pk).exists()
    response = client.post(f"/subscriptions/{followed.pk}/unsubscribe")
    assert response.status_code == 302 and response["Location"] == "/dashboard"
    assert not Subscription.objects.filter(pk=followed.pk).exists()


def test_unsubscribe_through_htmx_answers_a_small_note(client, followed):
    response = client.post(f"/subscriptions/{followed.pk}/unsubscribe", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and b"You no longer follow" in response.content
    assert not Subscription.objects.filter(pk=followed.pk).exists()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("action", ["edit", "unsubscribe"])
def test_someone_elses_subscription_is_not_found(client, me, method, action):
    theirs = SubscriptionFactory()
    ReminderOffsetFactory(subscription=theirs, offset_seconds=3600)
    response = getattr(client, method)(f"/subscriptions/{theirs.pk}/{action}", {"offsets": ["600"]})
    assert response.status_code == 404
    assert offsets_of(theirs) == [3600]


# --- my notifications ------------------------------------------------------------------------


def test_my_notifications_needs_a_login(client):
    assert client.get("/notifications/").status_code == 302


def test_my_notifications_lists_only_mine_with_reason_and_masked_channel(client, me):
    subscription = SubscriptionFactory(user=me, event=EventFactory(name="Carols"))
    DeliveryFactory(
        subscription=subscription,
        kind="reminder",
        status="failed",
        destination="json://h...k@127.0.0.1",
        last_error="authentication refused",
    )
    DeliveryFactory(destination="someone-else's")
    response = client.get("/notifications/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Carols" in html and "json://h...k@127.0.0.1" in html
    assert "authentication refused" in html and "status-failed" in html
    assert "someone-else" not in html


def test_my_notifications_filters_and_paginates(client, me):
    subscription = SubscriptionFactory(user=me)
    for _ in range(25):
        DeliveryFactory(subscription=subscription, kind="reminder", status="skipped")
    DeliveryFactory(subscription=subscription, kind="welcome", status="sent", sent_at=CHRISTMAS_EVE)
    first = client.get("/notifications/", {"kind": "reminder"})
    assert first.content.decode().count("<tr") == 1 + 20  # header + a page
    assert b"Page 1 of 2" in first.content and b"kind=reminder&amp;page=2" in first.content
    second = client.get("/notifications/", {"kind": "reminder", "page": 2})
    assert second.content.decode().count("<tr") == 1 + 5
    sent = client.get("/notifications/", {"status": "sent"})
    assert sent.content.decode().count("status-sent") == 1


def test_my_notifications_rejects_an_unknown_filter_value(client, me):
    response = client.get("/notifications/", {"status": "exploded"})
    assert response.status_code == 400 and b"has-error" in response.content
    assert Delivery.objects.count() == 0
