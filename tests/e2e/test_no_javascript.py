"""Every page reads with JavaScript off: HTMX only enhances."""

import pytest

from events.services import event_create
from tests.e2e.conftest import sign_in
from tests.factories import EventFactory, IntegrationFactory, SubscriptionFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.temporal]


def test_the_pages_read_without_javascript(browser, app):
    user = UserFactory(name="Nadia")
    event = event_create(
        organizer=user, name="Quiet reading", start=EventFactory.build().start, location="Library"
    )
    followed = EventFactory(name="Choir practice")
    SubscriptionFactory(event=followed, user=user)
    IntegrationFactory(user=user, name="Phone")
    context = browser.new_context(java_script_enabled=False)
    sign_in(context, app, user)
    page = context.new_page()
    expectations = {
        "/": "Soonish",
        "/events": "Quiet reading",
        f"/events/{event.pk}": "Library",
        f"/events/{event.pk}/edit": "Quiet reading",
        "/dashboard": "Choir practice",
        "/channels/": "Phone",
        "/notifications/": "My notifications",
        "/accounts/profile": "Your profile",
    }
    for path, text in expectations.items():
        response = page.goto(app.url + path)
        assert response.status == 200, path
        assert text in page.inner_text("main"), path
    context.close()
