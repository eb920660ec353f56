"""Channel pages through Django's test client: list, add, test, toggle, rename, delete."""

import pytest
from django.urls import reverse

from integrations.models import Integration
from tests.factories import IntegrationFactory, UserFactory

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def me(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def channel(user):
    return IntegrationFactory(user=user, name="Phone", tag="work")


def field_errors(response, name: str) -> str:
    """The HTML of the .field block that holds input `name` (its errors sit beside it)."""
    html = response.content.decode()
    start = html.rindex('<div class="field', 0, html.index(f'name="{name}"'))
    return html[start : html.index("</div>", html.index(f'name="{name}"'))]


def test_the_list_needs_a_login(client):
    response = client.get(reverse("channels"))
    assert response.status_code == 302
    assert "next=/channels/" in response["Location"]


def test_the_list_shows_my_channels_masked_and_not_others(me, channel):
    IntegrationFactory(name="Not mine")
    html = me.get(reverse("channels")).content.decode()
    assert "Phone" in html and "#work" in html and "active" in html
    assert channel.masked_url in html
    assert "s3cret-token" not in html
    assert "Not mine" not in html


def test_an_empty_list_invites_to_add_one(me):
    html = me.get(reverse("channels")).content.decode()
    assert "no channels yet" in html


def test_the_add_page_offers_every_kind(me):
    from integrations.kinds import KINDS

    html = me.get(reverse("channel-new")).content.decode()
    for kind in KINDS.values():
        assert f"?kind={kind.name}" in html


def test_an_unknown_kind_is_refused(me):
    response = me.get(reverse("channel-new"), {"kind": "pigeon"})
    assert response.status_code == 400
    assert "Unknown kind" in response.content.decode()


def test_the_form_is_built_from_the_kinds_fields(me):
    html = me.get(reverse("channel-new"), {"kind": "ntfy"}).content.decode()
    for name in ["name", "tag", "config_server_url", "config_topic", "config_username"]:
        assert f'name="{name}"' in html
    # Secrets are password inputs.
    assert 'type="password" name="config_password"' in html
    assert 'type="password" name="config_token"' in html


def test_adding_a_channel_stores_it_and_redirects(me, user, settings):
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    url = reverse("channel-new") + "?kind=ntfy"
    data = {"name": "Phone", "tag": "Work", "config_server_url": "http://127.0.0.1:8090"}
    response = me.post(url, {**data, "config_topic": "alerts"})
    assert response.status_code == 302 and response["Location"] == reverse("channels")
    channel = Integration.objects.get(user=user)
    assert (channel.name, channel.kind, channel.tag) == ("Phone", "ntfy", "work")
    assert channel.apprise_url == "ntfy://127.0.0.1:8090/alerts"
    assert "added" in me.get(reverse("channels")).content.decode()


def test_a_missing_required_field_is_shown_beside_it_and_nothing_is_stored(me):
    url = reverse("channel-new") + "?kind=ntfy"
    response = me.post(url, {"name": "Phone", "tag": "", "config_topic": ""})
    assert response.status_code == 400
    assert "This field is required." in field_errors(response, "config_topic")
    assert 'value="Phone"' in response.content.decode()  # what was typed is kept
    assert not Integration.objects.exists()


def test_a_url_the_guard_refuses_is_shown_beside_the_url(me):
    url = reverse("channel-new") + "?kind=webhook"
    response = me.post(url, {"name": "Hook", "config_url": "http://169.254.169.254/"})
    assert response.status_code == 400
    block = field_errors(response, "config_url")
    assert "has-error" in block and "public addresses" in block
    assert 'value="http://169.254.169.254/"' in block
    assert not Integration.objects.exists()


def test_a_duplicate_name_and_tag_is_shown_beside_the_name(me, channel):
    url = reverse("channel-new") + "?kind=email"
    data = {"name": "Phone", "tag": "work", "config_address": "me@example.com"}
    response = me.post(url, data)
    assert response.status_code == 400
    assert "already have an integration" in field_errors(response, "name")
    assert Integration.objects.count() == 1


def test_a_blank_name_and_a_bad_tag_are_both_reported(me):
    url = reverse("channel-new") + "?kind=email"
    data = {"name": " ", "tag": "no spaces", "config_address": "nope"}
    response = me.post(url, data)
    assert response.status_code == 400
    assert "may not be blank" in field_errors(response, "name")
    assert "letters, digits" in field_errors(response, "tag")
    assert "valid email" in field_errors(response, "config_address")


def test_testing_without_javascript_reports_after_a_redirect(me, user, sink):
    channel = IntegrationFactory(user=user, apprise_url=f"json://127.0.0.1:{sink.port}/hook")
    response = me.post(reverse("channel-test", args=[channel.pk]), follow=True)
    assert "test message sent" in response.content.decode()
    assert len(sink.received) == 1


def test_testing_with_htmx_answers_the_result_inline(me, user, sink):
    channel = IntegrationFactory(user=user, apprise_url=f"json://127.0.0.1:{sink.port}/hook")
    response = me.post(reverse("channel-test", args=[channel.pk]), **HTMX)
    assert response.status_code == 200
    assert "Sent" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_failed_test_shows_the_reason(me, user, make_sink, settings):
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    broken = make_sink(status=500)
    channel = IntegrationFactory(user=user, apprise_url=f"json://127.0.0.1:{broken.port}/x")
    html = me.post(reverse("channel-test", args=[channel.pk]), **HTMX).content.decode()
    assert "Failed" in html and "500" in html
    html = me.post(reverse("channel-test", args=[channel.pk]), follow=True).content.decode()
    assert "test failed" in html


def test_toggle_pauses_and_activates(me, channel):
    url = reverse("channel-toggle", args=[channel.pk])
    assert me.post(url).status_code == 302
    channel.refresh_from_db()
    assert not channel.is_active
    html = me.post(url, **HTMX).content.decode()
    channel.refresh_from_db()
    assert channel.is_active
    assert f'id="channel-{channel.pk}"' in html and "Pause" in html


def test_rename_without_javascript(me, channel):
    url = reverse("channel-edit", args=[channel.pk])
    assert 'value="Phone"' in me.get(url).content.decode()
    response = me.post(url, {"name": "Tablet", "tag": "home"})
    assert response.status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.tag) == ("Tablet", "home")


def test_rename_inline_with_htmx(me, channel):
    url = reverse("channel-edit", args=[channel.pk])
    editor = me.get(url, **HTMX).content.decode()
    assert "<html" not in editor and 'name="name"' in editor
    row = me.post(url, {"name": "Tablet", "tag": "work"}, **HTMX).content.decode()
    assert "Tablet" in row and "Rename" in row
    assert "Tablet" in me.get(reverse("channel-row", args=[channel.pk]), **HTMX).content.decode()


def test_rename_errors_stay_beside_the_field(me, user, channel):
    IntegrationFactory(user=user, name="Laptop", tag="work")
    url = reverse("channel-edit", args=[channel.pk])
    response = me.post(url, {"name": "Laptop", "tag": "work"})
    assert response.status_code == 400
    assert "already have an integration" in field_errors(response, "name")
    htmx = me.post(url, {"name": "", "tag": "work"}, **HTMX)
    assert htmx.status_code == 200  # htmx swaps only 2xx answers
    assert "may not be blank" in field_errors(htmx, "name")
    channel.refresh_from_db()
    assert channel.name == "Phone"


def test_delete_asks_first(me, channel):
    url = reverse("channel-delete", args=[channel.pk])
    assert "Delete “Phone”?" in me.get(url).content.decode()
    assert Integration.objects.filter(pk=channel.pk).exists()
    assert me.post(url).status_code == 302
    assert not Integration.objects.filter(pk=channel.pk).exists()


@pytest.mark.parametrize(
    "name, method",
    [
        ("channel-row", "get"),
        ("channel-test", "post"),
        ("channel-toggle", "post"),
        ("channel-edit", "get"),
        ("channel-edit", "post"),
        ("channel-delete", "get"),
        ("channel-delete", "post"),
    ],
)
def test_a_strangers_channel_is_not_found(client, channel, name, method):
    client.force_login(UserFactory())
    response = getattr(client, method)(reverse(name, args=[channel.pk]), {"name": "x"})
    assert response.status_code == 404
    channel.refresh_from_db()
    assert (channel.name, channel.is_active) == ("Phone", True)


def test_an_empty_post_is_answered_with_errors_not_ignored(me):
    response = me.post(reverse("channel-new") + "?kind=telegram", {})
    assert response.status_code == 400
    assert "may not be blank" in field_errors(response, "name")
    assert "This field is required." in field_errors(response, "config_bot_token")
    assert not Integration.objects.exists()
