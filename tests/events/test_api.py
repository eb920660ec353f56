"""Events API: visibility, filters, organizer-only writes, revisions, and the workflow."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from events.models import Event, EventChange
from tests.factories import EventFactory, SubscriptionFactory, UserFactory
from tests.helpers import client_for


def soon(days=3, **kwargs):
    return (timezone.now() + timedelta(days=days, **kwargs)).replace(microsecond=0)


def new_event(**fields):
    return {
        "name": "Launch party",
        "start": soon().isoformat(),
        "time_zone": "Europe/Paris",
        "location": "Dock 4",
        "tags": ["Music", "launch"],
        **fields,
    }


@pytest.mark.django_db
def test_create_starts_the_event_workflow(temporal_address, user):
    response = client_for(user).post("/api/events", new_event(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["tags"] == ["music", "launch"]
    assert body["revision"] == 1 and body["status"] == "scheduled"
    assert body["workflow_id"] == f"event-{body['id']}"
    assert body["subscriber_count"] == 0

    async def describe(client):
        return await client.get_workflow_handle(body["workflow_id"]).describe()

    from workflows.client import call

    assert call(describe).status.name == "RUNNING"


@pytest.mark.django_db
def test_create_when_temporal_is_down_answers_503_and_stores_nothing(temporal_down, user):
    response = client_for(user).post("/api/events", new_event(), format="json")
    assert response.status_code == 503
    assert "not created" in response.json()["detail"]
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_naive_times_are_read_in_the_events_time_zone(temporal_address, user):
    start = soon().replace(tzinfo=None, hour=18, minute=0, second=0)
    response = client_for(user).post(
        "/api/events",
        new_event(start=start.isoformat(), time_zone="America/New_York"),
        format="json",
    )
    assert response.status_code == 201, response.content
    event = Event.objects.get()
    local = event.start.astimezone(__import__("zoneinfo").ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (18, 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"start": "tomorrow"}, "start"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"end": "2020-01-01T00:00:00Z"}, "end"),
        ({"start": "2020-01-01T00:00:00Z"}, "start"),
        ({"tags": ["no spaces please"]}, "tags"),
        ({"tags": "music"}, "tags"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(user, fields, field):
    response = client_for(user).post("/api/events", new_event(**fields), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Event.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_cannot_create(api):
    assert api.post("/api/events", new_event(), format="json").status_code == 401


@pytest.mark.django_db
def test_list_shows_public_events_and_private_ones_the_caller_belongs_to(api):
    owner, follower, stranger = UserFactory(), UserFactory(), UserFactory()
    public = EventFactory(name="Open day")
    private = EventFactory(name="Board meeting", is_public=False, organizer=owner)
    followed = EventFactory(name="Secret gig", is_public=False)
    SubscriptionFactory(event=followed, user=follower)

    def names(client):
        return sorted(e["name"] for e in client.get("/api/events").json()["results"])

    assert names(api) == [public.name]
    assert names(client_for(stranger)) == [public.name]
    assert names(client_for(owner)) == sorted([public.name, private.name])
    assert names(client_for(follower)) == sorted([public.name, followed.name])
    assert client_for(stranger).get(f"/api/events/{private.pk}").status_code == 404
    assert client_for(owner).get(f"/api/events/{private.pk}").status_code == 200


@pytest.mark.django_db
def test_list_filters_and_paginates(api):
    EventFactory(name="Jazz night", tags=["music"], start=soon(days=2))
    EventFactory(name="Rust meetup", tags=["tech"], start=soon(days=5), location="Jazz cafe")
    EventFactory(name="Pottery", tags=["craft"], start=soon(days=9))

    def names(**params):
        body = api.get("/api/events", params).json()
        return [e["name"] for e in body["results"]]

    assert names(q="jazz") == ["Jazz night", "Rust meetup"]
    assert names(tag="MUSIC") == ["Jazz night"]
    assert names(starts_after=soon(days=4).isoformat()) == ["Rust meetup", "Pottery"]
    assert names(starts_before=soon(days=4).isoformat()) == ["Jazz night"]
    page = api.get("/api/events", {"limit": 2}).json()
    assert page["count"] == 3 and len(page["results"]) == 2 and page["next"]
    assert api.get("/api/events", {"starts_after": "yesterday"}).status_code == 400
    assert api.get("/api/events", {"mine": "organizing"}).status_code == 400


@pytest.mark.django_db
def test_mine_filters(user):
    mine = EventFactory(organizer=user, name="Mine")
    followed = EventFactory(name="Followed")
    EventFactory(name="Other")
    SubscriptionFactory(event=followed, user=user)
    client = client_for(user)
    assert [e["name"] for e in client.get("/api/events?mine=organizing").json()["results"]] == [
        mine.name
    ]
    assert [e["name"] for e in client.get("/api/events?mine=subscribed").json()["results"]] == [
        followed.name
    ]


@pytest.mark.django_db
def test_detail_counts_confirmed_subscribers_and_hides_workflow_id_from_others(api):
    event = EventFactory()
    SubscriptionFactory.create_batch(2, event=event)
    SubscriptionFactory(event=event, confirmed_at=None)
    body = api.get(f"/api/events/{event.pk}").json()
    assert body["subscriber_count"] == 2
    assert body["workflow_id"] is None


@pytest.mark.django_db
def test_only_the_organizer_changes_or_cancels(temporal_address):
    event = EventFactory(name="Mine")
    stranger = client_for(UserFactory())
    assert (
        stranger.patch(f"/api/events/{event.pk}", {"name": "Hacked"}, format="json").status_code
        == 403
    )
    assert stranger.delete(f"/api/events/{event.pk}").status_code == 403
    assert (
        APIClient().patch(f"/api/events/{event.pk}", {"name": "x"}, format="json").status_code
        == 401
    )
    event.refresh_from_db()
    assert (event.name, event.status) == ("Mine", "scheduled")


@pytest.mark.django_db
def test_a_change_subscribers_hear_of_bumps_the_revision_and_records_what_changed(temporal_address):
    event = EventFactory(location="Old hall")
    organizer = client_for(event.organizer)
    response = organizer.patch(f"/api/events/{event.pk}", {"location": "New hall"}, format="json")
    assert response.status_code == 200
    assert response.json()["revision"] == 2
    change = EventChange.objects.get(event=event)
    assert (change.revision, change.kind) == (2, "update")
    assert change.changes == [{"field": "location", "old": "Old hall", "new": "New hall"}]
    # Tags are not news: no new revision.
    response = organizer.patch(f"/api/events/{event.pk}", {"tags": ["x"]}, format="json")
    assert response.json()["revision"] == 2
    # The same value again is no change either.
    response = organizer.patch(f"/api/events/{event.pk}", {"location": "New hall"}, format="json")
    assert response.json()["revision"] == 2


@pytest.mark.django_db
def test_end_before_start_on_update_is_refused(temporal_address):
    event = EventFactory()
    response = client_for(event.organizer).patch(
        f"/api/events/{event.pk}",
        {"end": (event.start - timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert response.status_code == 400 and "end" in response.json()


@pytest.mark.django_db
def test_delete_cancels_and_keeps_the_event(temporal_address):
    event = EventFactory()
    organizer = client_for(event.organizer)
    assert organizer.delete(f"/api/events/{event.pk}").status_code == 204
    event.refresh_from_db()
    assert event.status == "cancelled" and event.revision == 2
    assert EventChange.objects.get(event=event).kind == "cancel"
    assert organizer.delete(f"/api/events/{event.pk}").status_code == 204  # idempotent
    assert EventChange.objects.filter(event=event).count() == 1
    response = organizer.patch(f"/api/events/{event.pk}", {"name": "Back"}, format="json")
    assert response.status_code == 409
