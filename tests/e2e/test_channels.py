"""Channels in Chromium: add an ntfy channel (after a refused URL), test it, pause, rename;
and the staff admin's event page with its live workflow status."""

import pytest

from events.services import event_create
from integrations.models import Integration
from tests.e2e.conftest import shoot, sign_in
from tests.factories import EventFactory, UserFactory
from tests.helpers import wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.temporal]


def test_add_test_pause_and_rename_an_ntfy_channel(page, app, sink):
    user = UserFactory()
    sign_in(page.context, app, user)
    page.goto(app.url + "/channels/")
    page.get_by_role("link", name="Add a channel").first.click()
    page.get_by_role("link", name="ntfy", exact=True).click()

    page.locator("#id_name").fill("Phone")
    page.locator("#id_tag").fill("alerts")
    page.locator("#id_config_server_url").fill("http://169.254.169.254")
    page.locator("#id_config_topic").fill("soonish-test")
    page.get_by_role("button", name="Add channel").click()
    error = page.locator(".field.has-error", has=page.locator("#id_config_server_url"))
    assert "public addresses" in error.locator(".errorlist").inner_text()
    assert page.locator("#id_name").input_value() == "Phone"  # what was typed is kept
    assert not Integration.objects.exists()
    shoot(page, "channel-add-error")

    page.locator("#id_config_server_url").fill(f"http://127.0.0.1:{sink.port}")
    page.get_by_role("button", name="Add channel").click()
    assert "added" in page.locator(".messages").inner_text()
    channel = Integration.objects.get(user=user)
    row = page.locator(f"#channel-{channel.pk}")
    assert channel.masked_url in row.inner_text()

    row.get_by_role("button", name="Test").click()
    page.locator(f"#test-result-{channel.pk} .result-ok").wait_for()
    assert page.locator(f"#test-result-{channel.pk}").inner_text() == "Sent"
    assert page.url.endswith("/channels/")  # inline, no page load
    wait_for(lambda: len(sink.received) == 1, timeout=5, message="the test message")
    assert b"soonish-test" in sink.received[0].body + sink.received[0].path.encode()
    shoot(page, "channels")

    row.get_by_role("button", name="Pause").click()
    page.locator(f"#channel-{channel.pk} .channel-state", has_text="paused").wait_for()
    channel.refresh_from_db()
    assert not channel.is_active

    page.locator(f"#channel-{channel.pk}").get_by_role("link", name="Rename").click()
    editor = page.locator(f"#channel-{channel.pk}.editing")
    editor.locator("#id_name").fill("Tablet")
    editor.get_by_role("button", name="Save").click()
    page.locator(f"#channel-{channel.pk} .channel-name", has_text="Tablet").wait_for()
    channel.refresh_from_db()
    assert (channel.name, channel.tag, channel.is_active) == ("Tablet", "alerts", False)


def test_the_admin_event_page_shows_the_live_workflow(page, app):
    staff = UserFactory(is_staff=True, is_superuser=True)
    event = event_create(
        organizer=UserFactory(), name="Launch party", start=EventFactory.build().start,
        time_zone="Europe/Paris",
    )  # fmt: skip
    sign_in(page.context, app, staff)
    wait_for(lambda: _running(page, app, event.pk), timeout=20, message="the workflow status")
    assert "scheduled" in page.locator(".field-workflow_status").inner_text()
    shoot(page, "admin-event")


def _running(page, app, event_id: int) -> bool:
    page.goto(f"{app.url}/admin/events/event/{event_id}/change/")
    return "running" in page.locator(".field-workflow_status").inner_text()
