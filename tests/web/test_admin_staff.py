"""The staff admin: live workflow status on an event's page, event actions, the ledger by event."""

import uuid

import pytest
from django.urls import reverse

from events.models import Event
from events.services import event_create
from tests.factories import DeliveryFactory, EventFactory, SubscriptionFactory, UserFactory
from tests.helpers import wait_for
from workflows.client import describe_event_workflow

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def change_page(staff, event) -> str:
    response = staff.get(reverse("admin:events_event_change", args=[event.pk]))
    assert response.status_code == 200
    return response.content.decode()


def run_action(staff, action: str, *events):
    return staff.post(
        reverse("admin:events_event_changelist"),
        {"action": action, "_selected_action": [e.pk for e in events]},
        follow=True,
    )


@pytest.mark.temporal
@pytest.mark.django_db(transaction=True)
def test_the_event_page_shows_the_live_workflow_status(staff, temporal_worker):
    organizer = UserFactory()
    event = event_create(
        organizer=organizer, name="Live", start=EventFactory.build().start, time_zone="Europe/Paris"
    )
    wait_for(lambda: _answers(event.pk), message="the workflow to answer its status query")
    html = change_page(staff, event)
    assert "Live status" in html
    assert f"running · event-{event.pk}" in html
    assert "state: <strong>scheduled</strong>" in html
    assert "pending: <strong>0</strong>" in html  # delivery counts, every status
    assert "(Europe/Paris)" in html  # times in the event's own zone


def _answers(event_id: int) -> bool:
    try:
        return describe_event_workflow(event_id) is not None
    except Exception:
        return False


def test_the_event_page_says_unavailable_when_temporal_is_down(staff, temporal_down):
    event = EventFactory()
    DeliveryFactory(subscription=SubscriptionFactory(event=event))
    html = change_page(staff, event)
    assert "<strong>unavailable</strong>" in html
    assert "pending: <strong>1</strong>" in html


@pytest.mark.temporal
def test_an_event_without_a_workflow_is_not_running(staff, temporal_address):
    # An id no other test's event had: the dev server is shared by the whole run, and SQLite
    # reuses ids after a flush, so "event-<small id>" may well exist there already.
    html = change_page(staff, EventFactory(id=900_000_000 + uuid.uuid4().int % 1_000_000))
    assert "not running" in html


def test_cancel_action_cancels_through_the_service(staff, temporal_down):
    scheduled, finished = EventFactory(), EventFactory(status=Event.Status.FINISHED)
    response = run_action(staff, "cancel_events", scheduled, finished)
    assert response.status_code == 200
    scheduled.refresh_from_db()
    assert scheduled.status == Event.Status.CANCELLED
    assert scheduled.revision == 2 and scheduled.changes.filter(kind="cancel").exists()
    finished.refresh_from_db()
    assert finished.status == Event.Status.FINISHED
    html = response.content.decode()
    assert "1 event(s) cancelled." in html
    assert "already taken place" in html


@pytest.mark.temporal
def test_replan_action_starts_or_signals_the_workflow(staff, temporal_address):
    event = EventFactory()
    response = run_action(staff, "replan_workflows", event)
    assert "1 workflow(s) re-planned." in response.content.decode()
    # Started now (signal-with-start): a second re-plan signals the same run.
    response = run_action(staff, "replan_workflows", event)
    assert "1 workflow(s) re-planned." in response.content.decode()


def test_replan_action_reports_temporal_down_as_an_error(staff, temporal_down):
    response = run_action(staff, "replan_workflows", EventFactory())
    html = response.content.decode()
    assert "Temporal is unavailable" in html
    assert 'class="error"' in html


def test_the_event_list_counts_in_a_constant_number_of_queries(
    staff, django_assert_max_num_queries
):
    for _ in range(3):
        SubscriptionFactory(event=EventFactory())
    url = reverse("admin:events_event_changelist")
    staff.get(url)  # warm the session and content types
    with django_assert_max_num_queries(12) as few:
        staff.get(url)
    for _ in range(20):
        SubscriptionFactory(event=EventFactory())
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = staff.get(url).content.decode()
    assert page.count('<td class="field-subscriber_count">1</td>') == 23


def test_the_ledger_filters_by_the_event_the_event_page_links_to(
    staff, django_assert_max_num_queries
):
    mine = SubscriptionFactory(event=EventFactory(name="Mine"))
    other = SubscriptionFactory(event=EventFactory(name="Other"))
    DeliveryFactory(subscription=mine, destination="to-mine")
    DeliveryFactory(subscription=other, destination="to-other")
    events = staff.get(reverse("admin:events_event_changelist")).content.decode()
    assert f"?event__id__exact={mine.event_id}" in events
    url = reverse("admin:notifications_delivery_changelist")
    with django_assert_max_num_queries(15):
        html = staff.get(url, {"event__id__exact": mine.event_id}).content.decode()
    assert "to-mine" in html and "to-other" not in html
    assert "Mine" in html  # the chosen event is named in the sidebar
    assert staff.get(url, {"event__id__exact": "x"}).status_code == 200


@pytest.mark.django_db
def test_staff_edits_go_through_the_service_and_staff_add_no_events(client, temporal_address):
    from django.urls import reverse

    from events.models import EventChange
    from tests.factories import EventFactory, UserFactory

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(reverse("admin:events_event_add")).status_code == 403
    event = EventFactory(location="Old hall")
    url = reverse("admin:events_event_change", args=[event.pk])
    form = {
        "name": event.name, "description": event.description, "location": "New hall",
        "start_0": event.start.strftime("%Y-%m-%d"), "start_1": event.start.strftime("%H:%M:%S"),
        "end_0": event.end.strftime("%Y-%m-%d"), "end_1": event.end.strftime("%H:%M:%S"),
        "time_zone": event.time_zone, "is_public": "on", "tags": '["community"]',
        "organizer": event.organizer_id, "recurrence": "",
        "invitations-TOTAL_FORMS": "0", "invitations-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    event.refresh_from_db()
    assert (event.location, event.revision) == ("New hall", 2)
    change = EventChange.objects.get(event=event)
    assert change.changes == [{"field": "location", "old": "Old hall", "new": "New hall"}]
