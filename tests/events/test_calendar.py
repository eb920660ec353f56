"""The event as an iCalendar file: stable UID, SEQUENCE = revision, the event's own zone."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from tests.factories import EventFactory, InvitationFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


def ics(client, event, **headers):
    return client.get(f"/api/events/{event.pk}/calendar.ics", **headers)


def vevent(response) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(response.content)
    [component] = calendar.walk("VEVENT")
    return component


def test_a_public_event_as_ics_for_anyone(api):
    event = EventFactory(
        name="Jazz, night", description="Bring; friends", location="Dock 4", tags=["music"]
    )
    response = ics(api, event)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="event-{event.pk}.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0" and "Soonish" in calendar["PRODID"]
    component = vevent(response)
    assert component["UID"] == f"event-{event.pk}@testserver"
    assert component["SEQUENCE"] == 1
    assert str(component["SUMMARY"]) == "Jazz, night"  # commas and semicolons survive escaping
    assert str(component["DESCRIPTION"]) == "Bring; friends"
    assert str(component["LOCATION"]) == "Dock 4"
    assert str(component["URL"]) == f"http://testserver/events/{event.pk}"
    assert str(component["STATUS"]) == "CONFIRMED"
    assert component["DTSTAMP"].dt.tzinfo is not None
    assert component.categories == ["music"]


def test_times_are_in_the_events_own_zone_and_mean_the_same_instant(api):
    start = datetime(2031, 7, 4, 22, 30, tzinfo=UTC)  # 18:30 in New York (EDT)
    event = EventFactory(time_zone="America/New_York", start=start, end=start + timedelta(hours=3))
    response = ics(api, event)
    component = vevent(response)
    dtstart, dtend = component["DTSTART"], component["DTEND"]
    assert dtstart.params["TZID"] == "America/New_York"
    assert dtstart.dt == start and dtend.dt == event.end
    assert (dtstart.dt.hour, dtstart.dt.minute) == (18, 30)
    assert b"DTSTART;TZID=America/New_York:20310704T183000" in response.content
    [zone] = icalendar.Calendar.from_ical(response.content).walk("VTIMEZONE")
    assert zone["TZID"] == "America/New_York"
    assert zone.to_tz().utcoffset(datetime(2031, 7, 4, 18, 30)) == timedelta(hours=-4)


def test_a_utc_event_is_written_in_utc_and_an_open_end_has_no_dtend(api):
    start = datetime(2031, 1, 2, 9, 0, tzinfo=UTC)
    response = ics(api, EventFactory(time_zone="UTC", start=start, end=None))
    assert b"DTSTART:20310102T090000Z" in response.content
    assert b"VTIMEZONE" not in response.content
    assert "DTEND" not in vevent(response)
    assert vevent(response)["DTSTART"].dt == start


def test_the_uid_stays_while_the_sequence_follows_the_revision(temporal_address):
    event = EventFactory(time_zone="Europe/Paris")
    organizer = client_for(event.organizer)
    before = vevent(ics(organizer, event))

    new_start = (event.start + timedelta(hours=1)).replace(microsecond=0)
    response = organizer.patch(
        f"/api/events/{event.pk}", {"start": new_start.isoformat()}, format="json"
    )
    assert response.status_code == 200 and response.json()["revision"] == 2
    after = vevent(ics(organizer, event))
    assert after["UID"] == before["UID"]
    assert after["SEQUENCE"] == 2
    assert after["DTSTART"].dt == new_start
    assert after["DTSTART"].dt.tzinfo == ZoneInfo("Europe/Paris")

    assert organizer.delete(f"/api/events/{event.pk}").status_code == 204
    cancelled = vevent(ics(organizer, event))
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] == 3 and cancelled["UID"] == before["UID"]


def test_a_private_event_is_only_for_those_who_may_see_it(api):
    event = EventFactory(is_public=False)
    invitation = InvitationFactory(event=event)
    guest = UserFactory(email=invitation.email)
    assert ics(client_for(event.organizer), event).status_code == 200
    assert ics(client_for(guest), event).status_code == 200
    assert ics(client_for(UserFactory()), event).status_code == 404
    assert ics(api, event).status_code == 404
    assert api.get("/api/events/999999/calendar.ics").status_code == 404


def test_a_calendar_client_asking_for_text_calendar_is_served(api):
    event = EventFactory()
    response = ics(api, event, HTTP_ACCEPT="text/calendar")
    assert response.status_code == 200 and response.content.startswith(b"BEGIN:VCALENDAR")
    missing = api.get("/api/events/999999/calendar.ics", HTTP_ACCEPT="text/calendar")
    assert missing.status_code == 404 and "detail" in missing.json()
