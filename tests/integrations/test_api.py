import pytest

from integrations.masking import mask_url
from integrations.models import Integration
from notifications.models import Delivery
from tests.factories import IntegrationFactory

pytestmark = pytest.mark.django_db

LIST = "/api/integrations"
SECRET = "s3cret-value-4b1d"


def detail(integration) -> str:
    return f"/api/integrations/{integration.pk}"


def stored(response) -> Integration:
    return Integration.objects.get(pk=response.json()["id"])


CREATED = [
    (
        "gotify",
        {"server_url": "https://93.184.215.14:8443/gotify", "token": SECRET},
        f"gotifys://93.184.215.14:8443/gotify/{SECRET}",
    ),
    ("ntfy", {"topic": "soonish-alerts"}, "ntfys://soonish-alerts"),
    ("email", {"address": "me@example.com"}, "mailto:me@example.com"),
    (
        "discord",
        {"webhook_url": f"https://discord.com/api/webhooks/123456789/{SECRET}"},
        f"discord://123456789/{SECRET}",
    ),
    (
        "slack",
        {"webhook_url": f"https://hooks.slack.com/services/T000/B000/{SECRET.replace('-', '')}"},
        f"slack://T000/B000/{SECRET.replace('-', '')}",
    ),
    (
        "telegram",
        {"bot_token": f"123456:{SECRET}", "chat_id": "-100123"},
        f"tgram://123456:{SECRET}/-100123",
    ),
    (
        "webhook",
        {"url": f"https://93.184.215.14/hooks/{SECRET}"},
        f"jsons://93.184.215.14/hooks/{SECRET}?method=POST",
    ),
    ("custom", {"url": f"json://hook:{SECRET}@93.184.215.14/in"}, None),
]


@pytest.mark.parametrize(("kind", "config", "url"), CREATED)
def test_create_each_kind_from_its_typed_fields(auth_api, user, kind, config, url):
    response = auth_api.post(
        LIST, {"name": f"My {kind}", "kind": kind, "tag": "Phone", "config": config}, format="json"
    )
    assert response.status_code == 201, response.json()
    integration = stored(response)
    assert integration.user == user
    assert integration.apprise_url == (url or config["url"])
    body = response.json()
    assert set(body) == {
        "id",
        "name",
        "kind",
        "tag",
        "is_active",
        "masked_url",
        "created_at",
        "updated_at",
    }
    assert (body["kind"], body["tag"], body["is_active"]) == (kind, "phone", True)
    assert body["masked_url"] == mask_url(integration.apprise_url)
    assert SECRET not in response.content.decode()


def test_a_custom_integration_takes_a_raw_apprise_url(auth_api):
    url = f"json://hook:{SECRET}@93.184.215.14/in"
    response = auth_api.post(LIST, {"name": "raw", "kind": "custom", "url": url}, format="json")
    assert response.status_code == 201
    assert stored(response).apprise_url == url
    assert response.json()["masked_url"].startswith("json://hook:")
    assert SECRET not in response.content.decode()


def test_input_never_sets_the_owner_id_or_timestamps(auth_api, user, stranger):
    response = auth_api.post(
        LIST,
        {
            "name": "mine",
            "kind": "ntfy",
            "config": {"topic": "t"},
            "user": stranger.pk,
            "id": 999_999,
            "created_at": "2000-01-01T00:00:00Z",
        },
        format="json",
    )
    assert response.status_code == 201
    integration = stored(response)
    assert (integration.user, integration.created_at.year) == (user, integration.updated_at.year)
    assert integration.pk != 999_999


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "ntfy", "config": {"topic": "t"}}, "name"),
        ({"name": "x", "kind": "pager", "config": {}}, "kind"),
        ({"name": "x", "kind": "ntfy"}, "config"),
        ({"name": "x", "kind": "ntfy", "config": "topic=t"}, "config"),
        ({"name": "x", "kind": "custom"}, "url"),
        ({"name": "x", "kind": "ntfy", "url": "ntfys://t"}, "url"),
        ({"name": "x", "kind": "ntfy", "tag": "two words", "config": {"topic": "t"}}, "tag"),
        ({"name": " ", "kind": "ntfy", "config": {"topic": "t"}}, "name"),
    ],
)
def test_invalid_input_is_a_400_naming_the_field(auth_api, payload, field):
    response = auth_api.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Integration.objects.exists()


def test_config_errors_are_nested_under_config(auth_api):
    response = auth_api.post(
        LIST,
        {"name": "d", "kind": "discord", "config": {"webhook_url": "https://example.com/x"}},
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["config"]
    assert "discord.com/api/webhooks" in response.json()["config"]["webhook_url"][0]


def test_a_duplicate_name_and_tag_is_a_400_on_name(auth_api, user):
    IntegrationFactory(user=user, name="Phone", tag="work")
    payload = {"name": "Phone", "kind": "ntfy", "tag": "WORK", "config": {"topic": "t"}}
    response = auth_api.post(LIST, payload, format="json")
    assert response.status_code == 400
    assert "already" in response.json()["name"][0]
    payload["tag"] = "home"
    assert auth_api.post(LIST, payload, format="json").status_code == 201


def test_another_users_name_and_tag_do_not_conflict(auth_api, stranger):
    IntegrationFactory(user=stranger, name="Phone", tag="")
    payload = {"name": "Phone", "kind": "ntfy", "config": {"topic": "t"}}
    assert auth_api.post(LIST, payload, format="json").status_code == 201


def test_the_list_shows_only_my_integrations_paginated(auth_api, user, stranger):
    mine = [IntegrationFactory(user=user, name=f"m{i}") for i in range(3)]
    IntegrationFactory(user=stranger)
    body = auth_api.get(LIST, {"limit": 2}).json()
    assert body["count"] == 3
    assert [item["id"] for item in body["results"]] == [i.pk for i in mine[:2]]
    assert body["next"]


def test_read_one_integration(auth_api, user):
    integration = IntegrationFactory(user=user, apprise_url=f"json://u:{SECRET}@93.184.215.14/")
    response = auth_api.get(detail(integration))
    assert response.status_code == 200
    assert response.json()["masked_url"] == integration.masked_url
    assert SECRET not in response.content.decode()


def test_patch_renames_retags_and_toggles(auth_api, user):
    integration = IntegrationFactory(user=user, name="old")
    url = integration.apprise_url
    response = auth_api.patch(
        detail(integration), {"name": "new", "tag": "Night", "is_active": False}, format="json"
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["tag"]) == ("new", "night")
    integration.refresh_from_db()
    assert (integration.name, integration.tag, integration.is_active) == ("new", "night", False)
    assert integration.apprise_url == url


def test_patch_replaces_the_config_and_masked_url(auth_api, user):
    integration = IntegrationFactory(user=user, kind="ntfy", apprise_url="ntfys://old-topic")
    response = auth_api.patch(
        detail(integration), {"config": {"topic": "new-topic"}}, format="json"
    )
    assert response.status_code == 200
    integration.refresh_from_db()
    assert integration.apprise_url == "ntfys://new-topic"
    assert response.json()["masked_url"] == integration.masked_url == "ntfys://new-topic"


def test_patch_can_change_the_kind_with_its_config(auth_api, user):
    integration = IntegrationFactory(user=user, kind="ntfy", apprise_url="ntfys://t")
    assert auth_api.patch(detail(integration), {"kind": "email"}, format="json").status_code == 400
    response = auth_api.patch(
        detail(integration),
        {"kind": "email", "config": {"address": "me@example.com"}},
        format="json",
    )
    assert response.status_code == 200
    integration.refresh_from_db()
    assert (integration.kind, integration.apprise_url) == ("email", "mailto:me@example.com")


def test_patch_re_guards_a_new_config_and_keeps_the_old_one(auth_api, user):
    integration = IntegrationFactory(user=user, kind="webhook", apprise_url="json://93.184.215.14/")
    response = auth_api.patch(
        detail(integration), {"config": {"url": "http://10.0.0.7/hook"}}, format="json"
    )
    assert response.status_code == 400
    assert "private address" in response.json()["config"]["url"][0]
    integration.refresh_from_db()
    assert integration.apprise_url == "json://93.184.215.14/"


def test_patch_to_a_duplicate_name_is_a_400(auth_api, user):
    IntegrationFactory(user=user, name="taken")
    integration = IntegrationFactory(user=user, name="free")
    response = auth_api.patch(detail(integration), {"name": "taken"}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()


def test_delete_removes_it_and_keeps_the_ledger(auth_api, user):
    integration = IntegrationFactory(user=user)
    delivery = Delivery.objects.create(
        idempotency_key="k", kind="test", integration=integration, destination="x"
    )
    assert auth_api.delete(detail(integration)).status_code == 204
    assert not Integration.objects.filter(pk=integration.pk).exists()
    delivery.refresh_from_db()
    assert delivery.integration is None


def test_put_is_not_offered(auth_api, user):
    integration = IntegrationFactory(user=user)
    assert auth_api.put(detail(integration), {}, format="json").status_code == 405


@pytest.mark.parametrize(
    ("method", "suffix", "payload"),
    [
        ("get", "", None),
        ("patch", "", {"name": "mine now"}),
        ("delete", "", None),
        ("post", "/test", None),
    ],
)
def test_another_users_integration_is_not_found(stranger_api, user, method, suffix, payload):
    integration = IntegrationFactory(user=user, name="theirs")
    response = getattr(stranger_api, method)(detail(integration) + suffix, payload, format="json")
    assert response.status_code == 404
    integration.refresh_from_db()
    assert integration.name == "theirs"
    assert not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", LIST),
        ("post", LIST),
        ("get", "/api/integrations/1"),
        ("patch", "/api/integrations/1"),
        ("delete", "/api/integrations/1"),
        ("post", "/api/integrations/1/test"),
    ],
)
def test_without_credentials_it_is_a_401(api, method, path):
    IntegrationFactory(pk=1)
    assert getattr(api, method)(path, {}, format="json").status_code == 401


def test_the_kinds_are_public_and_describe_their_fields(api):
    response = api.get("/api/integrations/kinds", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 200
    kinds = {kind["name"]: kind for kind in response.json()}
    assert list(kinds) == [
        "gotify",
        "ntfy",
        "email",
        "discord",
        "slack",
        "telegram",
        "webhook",
        "custom",
    ]
    token = next(f for f in kinds["gotify"]["fields"] if f["name"] == "token")
    assert token == {
        "name": "token",
        "label": "Application token",
        "type": "secret",
        "required": True,
        "help": "The app's token.",
        "choices": [],
        "default": None,
    }
    method = next(f for f in kinds["webhook"]["fields"] if f["name"] == "method")
    assert (method["type"], method["choices"], method["default"]) == (
        "choice",
        ["POST", "PUT", "PATCH"],
        "POST",
    )
    assert kinds["custom"]["label"] == "Custom Apprise URL"


def test_the_schema_documents_every_integrations_endpoint(api):
    paths = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()["paths"]
    for path in [
        "/api/integrations",
        "/api/integrations/{id}",
        "/api/integrations/{id}/test",
        "/api/integrations/kinds",
    ]:
        assert path in paths
