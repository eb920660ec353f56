"""Event pages through Django's test client: browse, event page, invitations, organizer forms."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from events.invitations import invitation_send
from events.models import Announcement, Event, Invitation
from subscriptions.models import Subscription
from tests.factories import (
    EventFactory,
    IntegrationFactory,
    InvitationFactory,
    SubscriptionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def error_beside(html: str, field: str) -> bool:
    """The field's wrapper is marked has-error and holds its error list."""
    match = re.search(
        rf'<div class="field[^"]*has-error">(?:(?!<div class="field).)*?name="{field}"'
        rf'(?:(?!<div class="field).)*?class="errorlist',
        html,
        re.S,
    )
    return match is not None


def local_input(days=3, hour=18) -> str:
    day = (timezone.now() + timedelta(days=days)).date()
    return f"{day.isoformat()}T{hour:02d}:00"


# --- home and browse -------------------------------------------------------------------------


def test_home_lists_upcoming_public_events_only(client):
    EventFactory(name="Open air")
    EventFactory(name="Secret dinner", is_public=False)
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Open air" in html and "Secret dinner" not in html
    assert "/accounts/signup" in html


def test_browse_shows_local_time_place_tags_and_status(client):
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    EventFactory(
        name="Jazz night", start=start, time_zone="Asia/Tokyo", location="Blue Note",
        tags=["music"], status=Event.Status.CANCELLED,
    )  # fmt: skip
    html = client.get("/events").content.decode()
    local = start.astimezone(ZoneInfo("Asia/Tokyo"))
    assert f"{local:%H:%M} (Asia/Tokyo)" in html
    assert "Blue Note" in html and "#music" in html
    assert 'class="pill status-cancelled"' in html


def test_browse_filters_by_text_tag_and_dates(client):
    EventFactory(name="Board games", tags=["games"], start=timezone.now() + timedelta(days=2))
    EventFactory(name="Chess club", tags=["games"], start=timezone.now() + timedelta(days=20))
    EventFactory(name="Poetry", tags=["words"], start=timezone.now() + timedelta(days=2))
    assert "Chess club" in client.get("/events?q=chess").content.decode()
    assert "Board games" not in client.get("/events?q=chess").content.decode()
    html = client.get("/events?tag=games").content.decode()
    assert "Board games" in html and "Chess club" in html and "Poetry" not in html
    until = (timezone.now() + timedelta(days=5)).date().isoformat()
    html = client.get(f"/events?tag=games&to={until}").content.decode()
    assert "Board games" in html and "Chess club" not in html


def test_browse_hides_private_events_of_others(client):
    EventFactory(name="Secret dinner", is_public=False)
    assert "Secret dinner" not in client.get("/events").content.decode()


def test_browse_paginates_by_20_and_keeps_filters(client):
    for n in range(23):
        EventFactory(
            name=f"Meetup {n}", tags=["meetup"], start=timezone.now() + timedelta(days=1 + n)
        )
    html = client.get("/events?tag=meetup").content.decode()
    assert html.count('class="event-row"') == 20
    assert 'href="?tag=meetup&amp;page=2"' in html
    page2 = client.get("/events?tag=meetup&page=2").content.decode()
    assert page2.count('class="event-row"') == 3
    assert 'href="?tag=meetup&amp;page=1"' in page2


def test_browse_bad_date_is_shown_beside_the_field(client):
    response = client.get("/events?from=soon")
    assert response.status_code == 400
    assert error_beside(response.content.decode(), "from")


# --- the event page --------------------------------------------------------------------------


def test_event_page_shows_details_in_the_events_time_zone(client):
    event = EventFactory(time_zone="America/New_York", location="Pier 17")
    SubscriptionFactory(event=event)
    html = client.get(f"/events/{event.pk}").content.decode()
    local = event.start.astimezone(ZoneInfo("America/New_York"))
    assert f"{local:%H:%M} (America/New_York)" in html
    assert "Pier 17" in html and "1 subscriber" in html
    assert f"/api/events/{event.pk}/calendar.ics" in html
    assert 'name="email"' in html  # visitors subscribe by email


def test_private_event_page_is_404_to_strangers(client):
    event = EventFactory(is_public=False)
    assert client.get(f"/events/{event.pk}").status_code == 404
    assert signed_in(UserFactory()).get(f"/events/{event.pk}").status_code == 404
    assert signed_in(event.organizer).get(f"/events/{event.pk}").status_code == 200


def test_visitor_subscribes_by_email_and_is_asked_to_check_the_inbox(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    event = EventFactory()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/events/{event.pk}",
            {"email": "Ann@Example.com", "name": "Ann", "reminders": ["86400", "600"]},
            follow=True,
        )
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    subscription = Subscription.objects.get(event=event)
    assert subscription.confirmed_at is None
    assert subscription.reminder_offsets == [86400, 600]
    assert len(mailoutbox) == 1 and "/subscriptions/confirm?token=" in mailoutbox[0].body


DUPLICATE_REMINDER = {
    "email": "a@example.com", "reminders": ["3600"], "custom_amount": "1", "custom_unit": "hours"
}  # fmt: skip


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a@example.com", "custom_amount": "0"}, "custom_amount"),
        ({"email": "a@example.com", "reminders": ["60"]}, "reminders"),
        (DUPLICATE_REMINDER, "reminders"),
    ],
)
def test_visitor_subscribe_errors_are_beside_the_field(client, data, field):
    event = EventFactory()
    response = client.post(f"/events/{event.pk}", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert error_beside(html, field), html
    assert Subscription.objects.count() == 0
    if "email" in data:
        assert f'value="{data["email"]}"' in html  # what was typed is kept


def test_signed_in_form_offers_active_channels_and_default_reminders(temporal_address):
    user = UserFactory()
    IntegrationFactory(user=user, name="phone")
    IntegrationFactory(user=user, name="old pager", is_active=False)
    html = signed_in(user).get(f"/events/{EventFactory().pk}").content.decode()
    assert "phone" in html and "old pager" not in html
    assert 'name="email"' not in html
    assert re.search(r'value="86400"[^>]*checked', html)
    assert re.search(r'value="3600"[^>]*checked', html)
    assert not re.search(r'value="604800"[^>]*checked', html)


def test_signed_in_user_subscribes_with_channels_and_custom_reminder(temporal_address):
    user, event = UserFactory(), EventFactory()
    channel = IntegrationFactory(user=user)
    client = signed_in(user)
    data = {"channels": [channel.pk], "reminders": ["86400"], "custom_amount": "2"}
    response = client.post(f"/events/{event.pk}", {**data, "custom_unit": "hours"}, follow=True)
    html = response.content.decode()
    assert "Subscribed" in html and "You are subscribed" in html
    subscription = Subscription.objects.get(event=event, user=user)
    assert subscription.confirmed_at is not None
    assert list(subscription.integrations.all()) == [channel]
    assert subscription.reminder_offsets == [86400, 7200]
    again = client.post(f"/events/{event.pk}", {"reminders": ["86400"]})
    assert "You are subscribed" in again.content.decode()


def test_someone_elses_channel_is_refused_beside_the_field(temporal_address):
    user, event = UserFactory(), EventFactory()
    IntegrationFactory(user=user)
    stranger_channel = IntegrationFactory()
    response = signed_in(user).post(f"/events/{event.pk}", {"channels": [stranger_channel.pk]})
    assert response.status_code == 400
    assert error_beside(response.content.decode(), "channels")
    assert Subscription.objects.count() == 0


def test_cancelled_event_takes_no_subscribers(client):
    event = EventFactory(status=Event.Status.CANCELLED)
    html = client.get(f"/events/{event.pk}").content.decode()
    assert "takes no new subscribers" in html and 'name="email"' not in html


# --- invitations -----------------------------------------------------------------------------


def invite(event, email="guest@example.com") -> str:
    from unittest import mock

    with mock.patch("events.invitations.send_email_after_commit") as sent:
        invitation_send(event=event, email=email, invited_by=event.organizer)
    return sent.call_args.kwargs["context"]["token"]


def test_invitation_page_shows_the_private_event_and_subscribes_a_visitor(client, mailoutbox):
    event = EventFactory(is_public=False, name="Family dinner")
    token = invite(event)
    page = client.get(f"/invitations/accept?token={token}")
    assert page.status_code == 200 and "Family dinner" in page.content.decode()
    response = client.post(
        "/invitations/accept", {"token": token, "email": "guest@example.com"}, follow=True
    )
    assert "Check your inbox" in response.content.decode()
    assert Invitation.objects.get().accepted_at is not None
    assert Subscription.objects.get(event=event).confirmed_at is None


def test_invitation_page_subscribes_a_signed_in_user(temporal_address):
    event = EventFactory(is_public=False)
    guest = UserFactory(email="guest@example.com")
    token = invite(event)
    client = signed_in(guest)
    response = client.post("/invitations/accept", {"token": token, "reminders": ["3600"]})
    assert response.status_code == 302 and response.url == f"/events/{event.pk}"
    assert Subscription.objects.get(event=event).user == guest
    assert client.get(f"/events/{event.pk}").status_code == 200


@pytest.mark.parametrize("state", ["unknown", "expired", "used"])
def test_dead_invitation_link_is_explained(client, state):
    event = EventFactory(is_public=False)
    token = invite(event)
    if state == "expired":
        Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    elif state == "used":
        Invitation.objects.update(accepted_at=timezone.now())
    elif state == "unknown":
        token = "nonsense"
    response = client.get(f"/invitations/accept?token={token}")
    assert response.status_code == 400
    assert {"unknown": "not valid", "expired": "expired", "used": "already been used"}[
        state
    ] in response.content.decode()


def test_invitation_bad_email_is_beside_the_field(client):
    token = invite(EventFactory(is_public=False))
    response = client.post("/invitations/accept", {"token": token, "email": "nope"})
    assert response.status_code == 400
    assert error_beside(response.content.decode(), "email")
    assert Invitation.objects.get().accepted_at is None


# --- organizer pages -------------------------------------------------------------------------


def event_form(**fields):
    return {
        "name": "Launch party",
        "description": "Cake.",
        "start": local_input(hour=18),
        "end": local_input(hour=21),
        "time_zone": "America/New_York",
        "location": "Dock 4",
        "is_public": "on",
        "tags": "Music, launch",
        **fields,
    }


def test_organizer_pages_need_login(client):
    event = EventFactory()
    for path in ["/events/new", f"/events/{event.pk}/edit", f"/events/{event.pk}/cancel",
                 f"/events/{event.pk}/announce", f"/events/{event.pk}/invitations"]:  # fmt: skip
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login" in response.url


def test_organizer_pages_are_403_for_visible_and_404_for_hidden_events():
    stranger = signed_in(UserFactory())
    public, private = EventFactory(), EventFactory(is_public=False)
    for action in ["edit", "cancel", "announce", "invitations"]:
        assert stranger.get(f"/events/{public.pk}/{action}").status_code == 403
        assert stranger.get(f"/events/{private.pk}/{action}").status_code == 404


def test_create_form_defaults_to_the_users_time_zone():
    user = UserFactory(time_zone="Asia/Kolkata")
    html = signed_in(user).get("/events/new").content.decode()
    assert '<option value="Asia/Kolkata" selected>' in html


def test_create_reads_times_in_the_chosen_zone(temporal_address):
    user = UserFactory()
    response = signed_in(user).post("/events/new", event_form())
    event = Event.objects.get()
    assert response.status_code == 302 and response.url == f"/events/{event.pk}"
    local = event.start.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (18, 0)
    assert event.tags == ["music", "launch"] and event.organizer == user
    assert event.workflow_id == f"event-{event.pk}"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"end": local_input(hour=10)}, "end"),
        ({"start": local_input(days=-2)}, "start"),
        ({"start": "soon"}, "start"),
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"tags": "no spaces"}, "tags"),
    ],
)
def test_create_errors_are_beside_the_field_and_nothing_is_saved(fields, field):
    response = signed_in(UserFactory()).post("/events/new", event_form(**fields))
    assert response.status_code == 400
    html = response.content.decode()
    assert error_beside(html, field), html
    assert 'value="Dock 4"' in html  # what was typed is kept
    assert Event.objects.count() == 0


def test_create_when_the_scheduler_is_down_says_so_and_saves_nothing(temporal_down):
    response = signed_in(UserFactory()).post("/events/new", event_form())
    assert response.status_code == 400
    assert "scheduler is unavailable" in response.content.decode()
    assert Event.objects.count() == 0


def test_edit_shows_local_times_and_saves_changes(temporal_address):
    event = EventFactory(time_zone="Europe/Paris")
    client = signed_in(event.organizer)
    html = client.get(f"/events/{event.pk}/edit").content.decode()
    local = event.start.astimezone(ZoneInfo("Europe/Paris"))
    assert f'value="{local:%Y-%m-%dT%H:%M}"' in html
    data = event_form(
        name="Renamed", start=f"{local:%Y-%m-%dT%H:%M}", end="", time_zone="Europe/Paris",
        location="Town hall", tags="community", description=event.description,
    )  # fmt: skip
    response = client.post(f"/events/{event.pk}/edit", data)
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.name == "Renamed" and event.end is None
    assert event.start.second == EventFactory._meta.model.objects.get(pk=event.pk).start.second
    assert event.revision == 2  # one change notice: name and end, not a seconds shift


def test_edit_end_before_start_is_refused(temporal_address):
    event = EventFactory()
    data = event_form(start=local_input(hour=18), end=local_input(hour=9))
    response = signed_in(event.organizer).post(f"/events/{event.pk}/edit", data)
    assert response.status_code == 400
    assert error_beside(response.content.decode(), "end")
    event.refresh_from_db()
    assert event.name != "Launch party" and event.revision == 1


def test_cancel_asks_then_cancels(temporal_address):
    event = EventFactory()
    client = signed_in(event.organizer)
    assert "cannot be undone" in client.get(f"/events/{event.pk}/cancel").content.decode()
    assert Event.objects.get().status == Event.Status.SCHEDULED
    response = client.post(f"/events/{event.pk}/cancel", follow=True)
    assert "cancelled" in response.content.decode()
    assert Event.objects.get().status == Event.Status.CANCELLED


def test_announce_now_and_later(temporal_address):
    event = EventFactory(time_zone="Asia/Tokyo")
    client = signed_in(event.organizer)
    assert client.get(f"/events/{event.pk}/announce").status_code == 200
    send_at = local_input(days=1, hour=9)
    response = client.post(
        f"/events/{event.pk}/announce",
        {"title": "Doors", "body": "Open at 7", "level": "warning", "send_at": send_at},
    )
    assert response.status_code == 302
    announcement = Announcement.objects.get()
    assert announcement.send_at.astimezone(ZoneInfo("Asia/Tokyo")).hour == 9
    assert announcement.created_by == event.organizer


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"body": ""}, "body"),
        ({"send_at": local_input(days=-1)}, "send_at"),
    ],
)
def test_announce_errors_are_beside_the_field(fields, field):
    event = EventFactory()
    data = {"title": "Doors", "body": "Open", "level": "info", **fields}
    response = signed_in(event.organizer).post(f"/events/{event.pk}/announce", data)
    assert response.status_code == 400
    assert error_beside(response.content.decode(), field)
    assert Announcement.objects.count() == 0


def test_invitations_page_invites_lists_and_revokes(mailoutbox, django_capture_on_commit_callbacks):
    event = EventFactory(is_public=False)
    client = signed_in(event.organizer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/events/{event.pk}/invitations", {"email": "Guest@Example.com"})
    assert response.status_code == 302
    html = client.get(f"/events/{event.pk}/invitations").content.decode()
    assert "guest@example.com" in html.lower() and "pending" in html
    assert len(mailoutbox) == 1 and "/invitations/accept?token=" in mailoutbox[0].body
    invitation = Invitation.objects.get()
    client.post(f"/events/{event.pk}/invitations/{invitation.pk}/revoke")
    assert Invitation.objects.count() == 0


def test_invitations_htmx_answers_with_the_fragment(mailoutbox):
    event = EventFactory(is_public=False)
    client = signed_in(event.organizer)
    response = client.post(
        f"/events/{event.pk}/invitations", {"email": "a@example.com"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200 and html.lstrip().startswith('<div id="invitations">')
    assert "a@example.com" in html


def test_invite_bad_email_is_beside_the_field(mailoutbox):
    event = EventFactory(is_public=False)
    response = signed_in(event.organizer).post(f"/events/{event.pk}/invitations", {"email": "x"})
    assert response.status_code == 400
    assert error_beside(response.content.decode(), "email")
    assert Invitation.objects.count() == 0 and not mailoutbox


def test_revoking_another_events_invitation_is_404():
    mine, other = EventFactory(is_public=False), InvitationFactory()
    response = signed_in(mine.organizer).post(f"/events/{mine.pk}/invitations/{other.pk}/revoke")
    assert response.status_code == 404 and Invitation.objects.count() == 1


def test_invite_bad_email_over_htmx_swaps_the_errors_in():
    event = EventFactory(is_public=False)
    response = signed_in(event.organizer).post(
        f"/events/{event.pk}/invitations", {"email": "x"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert error_beside(response.content.decode(), "email")
    assert Invitation.objects.count() == 0


@pytest.mark.django_db
def test_the_send_to_field_says_once_where_mail_goes(client):
    u = UserFactory()
    client.force_login(u)
    e = EventFactory()
    html = client.get(f"/events/{e.pk}").content.decode()
    assert "No channels yet" in html and "None chosen" not in html
    IntegrationFactory(user=u)
    html = client.get(f"/events/{e.pk}").content.decode()
    assert "No channels yet" not in html and "None chosen" in html
