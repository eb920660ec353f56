"""Browser journeys: sign up → verify → log in → dashboard; inline reminder edits with HTMX;
my notifications showing the welcome that the real workflow sent."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from events.services import event_create
from notifications.models import Delivery
from subscriptions.models import Subscription
from subscriptions.services import subscription_create
from tests.e2e.conftest import shoot
from tests.factories import PASSWORD, EventFactory, UserFactory
from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.temporal]

PARIS = ZoneInfo("Europe/Paris")
CHRISTMAS_EVE = datetime(2026, 12, 24, 18, 0, tzinfo=PARIS)


def log_in(page, app, email, password=PASSWORD):
    page.goto(app.url + "/accounts/login")
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(app.url + "/dashboard")


def test_a_new_user_signs_up_verifies_logs_in_and_sees_the_dashboard(page, app, mailoutbox):
    page.goto(app.url + "/accounts/signup")
    page.fill("#id_email", "ada@example.com")
    page.fill("#id_name", "Ada")
    page.fill("#id_password", "123")
    page.fill("#id_password_again", "123")
    page.locator("main button[type=submit]").click()
    assert "too short" in page.locator(".field.has-error").inner_text()
    assert page.input_value("#id_email") == "ada@example.com"
    shoot(page, "signup-errors")

    page.fill("#id_password", "a long and lovely passphrase 7")
    page.fill("#id_password_again", "a long and lovely passphrase 7")
    page.locator("main button[type=submit]").click()
    page.wait_for_url(app.url + "/accounts/signup/done")
    assert "Check your inbox" in page.inner_text("h1")

    wait_for(lambda: len(mailoutbox) == 1, timeout=10, message="the verification mail")
    link = re.search(r"https?://\S+/accounts/verify\?token=\S+", mailoutbox[0].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm my address").click()
    assert "is confirmed" in page.inner_text("main")
    page.locator("main").get_by_role("link", name="Log in").click()
    page.wait_for_url(app.url + "/accounts/login")
    shoot(page, "login")

    log_in(page, app, "ada@example.com", "a long and lovely passphrase 7")
    assert "Hello, Ada" in page.inner_text("h1")
    assert page.get_by_role("heading", name="Events I follow").is_visible()


def test_organizer_dashboard_shows_counts_and_the_next_reminder(page, app):
    organizer = UserFactory(name="Olga")
    event = event_create(
        organizer=organizer,
        name="Winter meetup",
        description="Mulled wine.",
        start=CHRISTMAS_EVE,
        time_zone="Europe/Paris",
        location="Town hall",
    )
    subscription_create(event=event, user=UserFactory(), reminder_offsets=[86400, 3600])
    wait_for(
        lambda: Delivery.objects.filter(event=event, kind="welcome", status="sent").exists(),
        message="the welcome",
    )
    log_in(page, app, organizer.email)
    card = page.locator(".org-event").first
    text = card.inner_text()
    assert "Winter meetup" in text and "Thu 24 Dec 2026, 18:00 (Europe/Paris)" in text
    assert "1 subscriber" in text and "1 sent" in text

    def next_reminder_shown():
        page.reload()
        return "next reminder" in card.inner_text()

    # The live workflow answers its status query: the next reminder is the 1-day one.
    wait_for(next_reminder_shown, timeout=10, message="the workflow's next reminder")
    assert "next reminder Wed 23 Dec 2026, 18:00 (Europe/Paris) (1 day before)" in card.inner_text()
    shoot(page, "dashboard-organizer")


def test_subscriber_edits_reminders_inline_and_sees_the_welcome(page, app):
    follower = UserFactory(name="Fred")
    event = EventFactory(name="Carols", start=CHRISTMAS_EVE, end=None)
    subscription = subscription_create(event=event, user=follower, reminder_offsets=[86400])
    wait_for(
        lambda: Delivery.objects.filter(recipient=follower, kind="welcome", status="sent").exists(),
        message="the welcome delivery",
    )
    log_in(page, app, follower.email)
    card = page.locator(f"#sub-{subscription.pk}")
    assert "Wed 23 Dec 2026, 18:00 (1 day before)" in card.inner_text()
    shoot(page, "dashboard-follower")

    page.evaluate("window.notReloaded = true")
    card.locator("summary").click()
    card.get_by_label("1 day before").uncheck()
    card.get_by_label("3 hours before").check()
    card.locator("input[name=custom_amount]").fill("0")
    card.get_by_role("button", name="Save").click()
    # The error comes back in the card, and nothing changed.
    page.locator(f"#sub-{subscription.pk} .field.has-error").wait_for()
    assert "more than 0 seconds" in page.locator(f"#sub-{subscription.pk}").inner_text()
    assert Subscription.objects.get(pk=subscription.pk).reminder_offsets == [86400]

    card = page.locator(f"#sub-{subscription.pk}")
    card.locator("input[name=custom_amount]").fill("")
    card.get_by_role("button", name="Save").click()
    page.get_by_text("Saved — your reminders are re-planned.").wait_for()
    text = page.locator(f"#sub-{subscription.pk}").inner_text()
    assert "Thu 24 Dec 2026, 15:00 (3 hours before)" in text and "1 day before)" not in text
    assert page.evaluate("window.notReloaded") is True  # only the card was swapped
    assert Subscription.objects.get(pk=subscription.pk).reminder_offsets == [10800]

    page.get_by_role("link", name="Notifications").click()
    page.wait_for_url(app.url + "/notifications/")
    row = page.locator("table.ledger tbody tr").first
    assert "Welcome" in row.inner_text() and "Carols" in row.inner_text()
    assert row.locator(".pill.status-sent").is_visible()
    shoot(page, "my-notifications")
