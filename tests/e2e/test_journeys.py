"""The two acceptance journeys of issue 5, end to end through the pages in Chromium.

Every step a person takes goes through a page; factories only make what existed before
(the public event of journey 1, the verified users of journey 2). The welcome is sent by the
real Temporal worker, so the journeys wait for it with page reloads.
"""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from subscriptions.models import Subscription
from tests.e2e.conftest import WIDTHS, shoot
from tests.factories import PASSWORD, EventFactory, UserFactory
from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.temporal]

NEW_PASSWORD = "a long and lovely passphrase 7"


def link_in_mail(mailoutbox, pattern: str, to: str | None = None) -> str:
    """The first link matching `pattern` in a captured email (to `to`), once it has arrived."""
    found = []

    def arrived():
        for message in list(mailoutbox):
            match = re.search(pattern, message.body)
            if match and (to is None or to in message.to):
                found.append(match.group(0))
                return True
        return False

    wait_for(arrived, timeout=30, message=f"an email with {pattern}")
    return found[0]


def log_in(page, app, email: str, password: str = PASSWORD) -> None:
    page.goto(app.url + "/accounts/login")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(app.url + "/dashboard")


def new_page(browser):
    """A fresh browser context (its own cookies: another person) and its page."""
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def shown(instant: datetime, zone: str) -> str:
    """A date-time as the dashboard writes reminders: 'Wed 23 Dec 2026, 18:00'."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"


def test_journey_1_sign_up_add_a_channel_and_subscribe(page, app, mailoutbox, sink):
    event = EventFactory(name="Lantern walk", time_zone="Europe/Paris")  # starts in 3 days

    # Sign up, and follow the link of the verification mail.
    page.goto(app.url + "/accounts/signup")
    page.fill("#id_email", "nina@example.com")
    page.fill("#id_name", "Nina")
    page.fill("#id_password", NEW_PASSWORD)
    page.fill("#id_password_again", NEW_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(app.url + "/accounts/signup/done")
    shoot(page, "signup-done")
    page.goto(link_in_mail(mailoutbox, r"https?://\S+/accounts/verify\?token=\S+"))
    shoot(page, "verify")
    page.get_by_role("button", name="Confirm my address").click()
    assert "is confirmed" in page.inner_text("main")

    log_in(page, app, "nina@example.com", NEW_PASSWORD)

    # An ntfy channel on the local sink; Test answers inline.
    page.goto(app.url + "/channels/new?kind=ntfy")
    page.fill("#id_name", "Nina's phone")
    page.fill("#id_config_server_url", f"http://127.0.0.1:{sink.port}")
    page.fill("#id_config_topic", "nina-events")
    shoot(page, "channel-new-ntfy")
    page.get_by_role("button", name="Add channel").click()
    assert "added" in page.locator(".messages").inner_text()
    row = page.locator("li.channel", has_text="Nina's phone")
    row.get_by_role("button", name="Test").click()
    row.locator(".test-result .result-ok").wait_for()
    assert row.locator(".test-result").inner_text() == "Sent"
    wait_for(lambda: len(sink.received) == 1, timeout=10, message="the test message")

    # Subscribe on the public event page: the channel, and a custom 10-minute reminder.
    page.goto(f"{app.url}/events/{event.pk}")
    page.get_by_label("Nina's phone (ntfy)").check()
    page.uncheck("input[name=reminders][value='3600']")  # keep "1 day", drop "1 hour"
    page.fill("input[name=custom_amount]", "10")
    page.select_option("select[name=custom_unit]", "minutes")
    page.get_by_role("button", name="Subscribe", exact=True).click()
    assert "Subscribed to Lantern walk" in page.locator(".messages").inner_text()
    assert "You are subscribed" in page.locator("#subscribe").inner_text()
    subscription = Subscription.objects.get(event=event, user__email="nina@example.com")
    assert subscription.reminder_offsets == [86400, 600]
    assert [i.name for i in subscription.integrations.all()] == ["Nina's phone"]

    # The worker sends the welcome; "My notifications" shows it once it is sent.
    page.get_by_role("link", name="Notifications").click()
    page.wait_for_url(app.url + "/notifications/")

    def welcome_sent() -> bool:
        page.reload()
        rows = page.locator("table.ledger tbody tr", has_text="Welcome")
        return rows.count() == 1 and rows.locator(".pill.status-sent").count() == 1

    wait_for(welcome_sent, timeout=30, message="the welcome on My notifications")
    welcome = page.locator("table.ledger tbody tr", has_text="Welcome")
    assert "Lantern walk" in welcome.inner_text()
    assert "Nina's phone" in welcome.inner_text() or "ntfy" in welcome.inner_text().lower()
    wait_for(lambda: len(sink.received) == 2, timeout=10, message="the welcome at the sink")
    assert b"Lantern walk" in sink.received[1].body
    shoot(page, "my-notifications-journey")

    # The dashboard lists the reminders in the event's zone, the 10-minute one among them.
    page.get_by_role("link", name="Dashboard").click()
    card = page.locator(f"#sub-{subscription.pk}")
    assert f"{shown(event.start - timedelta(minutes=10), 'Europe/Paris')}" in card.inner_text()
    assert "(10 minutes before)" in card.inner_text()

    page.goto(app.url + "/accounts/profile")
    shoot(page, "profile")


def test_journey_2_private_event_invitations_and_a_moved_start(browser, page, app, mailoutbox):
    organizer = UserFactory(name="Oskar", email="oskar@example.com")
    guests = [
        UserFactory(name="Greta", email="greta@example.com"),
        UserFactory(name="Hugo", email="hugo@example.com"),
    ]
    zone = "Europe/Paris"
    day = (timezone.now() + timedelta(days=10)).date()
    start = datetime(day.year, day.month, day.day, 19, 0, tzinfo=ZoneInfo(zone))

    # The organizer logs in and creates a private event.
    log_in(page, app, organizer.email)
    page.goto(app.url + "/events/new")
    page.fill("input[name=name]", "Attic concert")
    page.fill("textarea[name=description]", "Strings and candles.")
    page.fill("input[name=start]", f"{day.isoformat()}T19:00")
    page.fill("input[name=end]", f"{day.isoformat()}T22:00")
    page.select_option("select[name=time_zone]", zone)
    page.fill("input[name=location]", "Rue des Lilas 4")
    page.uncheck("input[name=is_public]")
    page.click("button:has-text('Publish event')")
    assert "is published" in page.locator(".messages").inner_text()
    event_url = page.url
    event_id = int(event_url.rstrip("/").rsplit("/", 1)[1])
    shoot(page, "event-page-organizer")

    # Both guests are invited on the invitations page.
    page.get_by_role("link", name="Invitations").click()
    page.wait_for_url(f"{event_url}/invitations")
    for guest in guests:
        page.fill("input[name=email]", guest.email)
        page.click("button:has-text('Invite')")
        page.wait_for_selector(f"#invitations td:has-text('{guest.email}')")
    assert page.locator("#invitations .pill.status-pending").count() == 2
    shoot(page, "invitations")

    # Each guest, in a browser of their own, logs in and accepts with the default reminders.
    for guest in guests:
        accept = link_in_mail(
            mailoutbox, r"https?://\S+/invitations/accept\?token=\S+", to=guest.email
        )
        guest_page = new_page(browser)
        try:
            log_in(guest_page, app, guest.email)
            guest_page.goto(accept)
            assert "Attic concert" in guest_page.locator("h1").inner_text()
            assert guest_page.is_checked("input[name=reminders][value='86400']")
            assert guest_page.is_checked("input[name=reminders][value='3600']")
            guest_page.get_by_role("button", name="Subscribe", exact=True).click()
            assert "Subscribed to Attic concert" in guest_page.locator(".messages").inner_text()
        finally:
            guest_page.context.close()
    page.reload()
    assert page.locator("#invitations .pill.status-accepted").count() == 2

    # The organizer's other pages: announce and cancel (only looked at), then edit.
    page.goto(f"{event_url}/announce")
    shoot(page, "event-announce")
    page.goto(f"{event_url}/cancel")
    shoot(page, "event-cancel")
    page.get_by_role("link", name="Keep it").click()
    page.wait_for_url(event_url)

    page.get_by_role("link", name="Edit").click()
    page.wait_for_url(f"{event_url}/edit")
    assert page.input_value("input[name=start]") == f"{day.isoformat()}T19:00"
    shoot(page, "event-edit")
    page.fill("input[name=start]", f"{day.isoformat()}T21:00")
    page.fill("input[name=end]", f"{day.isoformat()}T23:59")
    page.click("button:has-text('Save changes')")
    page.wait_for_url(event_url)
    assert "Saved" in page.locator(".messages").inner_text()
    assert "21:00 (Europe/Paris)" in page.locator(".event-when").inner_text()

    old = [shown(start - timedelta(days=1), zone), shown(start - timedelta(hours=1), zone)]
    moved = start + timedelta(hours=2)
    new = [shown(moved - timedelta(days=1), zone), shown(moved - timedelta(hours=1), zone)]
    assert Subscription.objects.filter(event_id=event_id).count() == 2
    for guest in guests:
        guest_page = new_page(browser)
        try:
            log_in(guest_page, app, guest.email)
            card = guest_page.locator(".sub-card", has_text="Attic concert")
            text = card.inner_text()
            assert f"{new[0]} (1 day before)" in text, text
            assert f"{new[1]} (1 hour before)" in text, text
            assert all(when not in text for when in old), text
            if guest is guests[0]:
                shoot(guest_page, "dashboard-after-move")
        finally:
            guest_page.context.close()
