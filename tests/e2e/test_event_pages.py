"""Event pages in Chromium: a visitor's whole subscription life, and an organizer's private
event with an invitation accepted by a signed-in guest."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from subscriptions.models import Subscription
from tests.e2e.conftest import shoot, sign_in
from tests.factories import EventFactory, IntegrationFactory, UserFactory
from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.temporal]


def link_in_mail(mailoutbox, pattern: str) -> str:
    """The first link matching `pattern` in a captured email, once it has arrived."""
    found = []

    def arrived():
        for message in list(mailoutbox):
            match = re.search(pattern, message.body)
            if match:
                found.append(match.group(0))
                return True
        return False

    wait_for(arrived, timeout=30, message=f"an email with {pattern}")
    return found[0]


def test_visitor_subscribes_confirms_and_unsubscribes(page, app, mailoutbox):
    organizer = UserFactory(name="Org")
    event = services.event_create(
        organizer=organizer,
        name="Harbour fireworks",
        description="Bring a blanket.",
        start=timezone.now() + timedelta(days=5),
        time_zone="Australia/Sydney",
        location="Circular Quay",
        tags=["fireworks", "outdoors"],
    )
    for n in range(3):
        EventFactory(name=f"Street food market {n}", tags=["food"])

    page.goto(app.url + "/events")
    assert page.locator(".event-row").count() == 4
    shoot(page, "event-list")
    page.fill("input[name=q]", "fireworks")
    page.click("button:has-text('Search')")
    assert page.locator(".event-row").count() == 1
    page.click("text=Harbour fireworks")

    assert page.url == f"{app.url}/events/{event.pk}"
    assert "(Australia/Sydney)" in page.locator(".event-when").inner_text()
    shoot(page, "event-page-visitor")
    page.fill("input[name=email]", "visitor@example.com")
    page.check("input[name=reminders][value='604800']")
    page.click("button:has-text('Subscribe by email')")
    assert "Check your inbox" in page.locator(".messages").inner_text()

    confirm = link_in_mail(mailoutbox, r"https?://\S+/subscriptions/confirm\?token=\S+")
    page.goto(confirm)
    page.click("button:has-text('Confirm my subscription')")
    assert "you are subscribed to" in page.locator("main").inner_text().lower()
    subscription = Subscription.objects.get(event=event)
    assert subscription.confirmed_at is not None
    assert subscription.reminder_offsets == [604800, 86400, 3600]

    unsubscribe = link_in_mail(mailoutbox, r"https?://\S+/unsubscribe\?token=\S+")
    page.goto(unsubscribe)
    page.click("button:has-text('Unsubscribe')")
    assert "You are unsubscribed" in page.locator("main").inner_text()
    assert not Subscription.objects.filter(event=event).exists()


def test_organizer_invites_and_a_signed_in_guest_subscribes(browser, page, app, mailoutbox):
    organizer = UserFactory(name="Olivia", time_zone="Europe/Berlin")
    guest = UserFactory(email="guest@example.com", name="Gus")
    IntegrationFactory(user=guest, name="Gus's ntfy")
    sign_in(page.context, app, organizer)
    day = (timezone.now() + timedelta(days=4)).date().isoformat()

    page.goto(app.url + "/events/new")
    assert page.locator("select[name=time_zone]").input_value() == "Europe/Berlin"
    page.fill("input[name=start]", f"{day}T19:00")
    page.fill("input[name=end]", f"{day}T17:00")
    page.fill("input[name=location]", "Olivia's flat")
    page.click("button:has-text('Publish event')")
    assert page.locator(".field.has-error").count() == 2  # name empty, end before start
    assert "not be before the start" in page.locator(".field.has-error").nth(1).inner_text()
    shoot(page, "event-form-errors")

    page.fill("input[name=name]", "Birthday dinner")
    page.fill("input[name=end]", f"{day}T23:00")
    page.fill("input[name=tags]", "Friends, food")
    page.uncheck("input[name=is_public]")
    page.click("button:has-text('Publish event')")
    assert "is published" in page.locator(".messages").inner_text()
    assert "19:00 (Europe/Berlin)" in page.locator(".event-when").inner_text()

    page.click("text=Invitations")
    page.fill("input[name=email]", "guest@example.com")
    page.click("button:has-text('Invite')")
    page.wait_for_selector("#invitations td:has-text('guest@example.com')")
    assert "pending" in page.locator("#invitations").inner_text()
    accept = link_in_mail(mailoutbox, r"https?://\S+/invitations/accept\?token=\S+")

    guest_context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        guest_page = guest_context.new_page()
        guest_page.set_default_timeout(15_000)
        sign_in(guest_context, app, guest)
        guest_page.goto(accept)
        assert "Birthday dinner" in guest_page.locator("h1").inner_text()
        assert guest_page.locator("input[name=email]").count() == 0
        shoot(guest_page, "invitation")
        guest_page.check("text=Gus's ntfy")
        guest_page.click("button:has-text('Subscribe')")
        assert "Subscribed to Birthday dinner" in guest_page.locator(".messages").inner_text()
        assert "You are subscribed" in guest_page.locator("#subscribe").inner_text()
        shoot(guest_page, "event-page-signed-in")
    finally:
        guest_context.close()

    subscription = Subscription.objects.get(user=guest)
    assert [i.name for i in subscription.integrations.all()] == ["Gus's ntfy"]
    page.reload()
    assert "accepted" in page.locator("#invitations").inner_text()


def test_signed_in_subscribe_form(page, app):
    user = UserFactory()
    IntegrationFactory(user=user, name="My phone")
    event = EventFactory(name="Park run", time_zone="Europe/London")
    sign_in(page.context, app, user)
    page.goto(f"{app.url}/events/{event.pk}")
    assert page.is_checked("input[name=reminders][value='86400']")
    assert page.is_checked("input[name=reminders][value='3600']")
    page.fill("input[name=custom_amount]", "0")
    page.click("button:has-text('Subscribe')")
    assert page.locator(".field.has-error").count() == 1
    shoot(page, "event-page-signed-in-errors")
