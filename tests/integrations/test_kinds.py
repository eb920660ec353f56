import apprise
import pytest

from integrations.kinds import KINDS, ConfigError, build_url
from integrations.models import Integration

BUILT = [
    (
        "gotify",
        {"server_url": "https://push.example.com:8443/gotify/", "token": "AbC123xyz"},
        "gotifys://push.example.com:8443/gotify/AbC123xyz",
    ),
    (
        "gotify",
        {"server_url": "http://[2001:db8::5]", "token": "AbC123xyz", "priority": "high"},
        "gotify://[2001:db8::5]/AbC123xyz?priority=high",
    ),
    ("ntfy", {"topic": "soonish-alerts"}, "ntfys://soonish-alerts"),
    (
        "ntfy",
        {"server_url": "http://ntfy.lan:8080", "topic": "t1", "username": "me", "password": "p@ss"},
        "ntfy://me:p%40ss@ntfy.lan:8080/t1",
    ),
    (
        "ntfy",
        {"server_url": "https://ntfy.sh", "topic": "t1", "token": "tk_secret"},
        "ntfys://ntfy.sh/t1?token=tk_secret",
    ),
    ("email", {"address": "Alice@Example.COM"}, "mailto:Alice@example.com"),
    (
        "discord",
        {"webhook_url": "https://discord.com/api/webhooks/123456789/tok-EN_1"},
        "discord://123456789/tok-EN_1",
    ),
    (
        "slack",
        {"webhook_url": "https://hooks.slack.com/services/T000/B000/XXXXXXXX"},
        "slack://T000/B000/XXXXXXXX",
    ),
    (
        "telegram",
        {"bot_token": "123456:ABC-def_ghi", "chat_id": -1001234},
        "tgram://123456:ABC-def_ghi/-1001234",
    ),
    (
        "webhook",
        {"url": "https://user:pw@hooks.example.com:8443/in/abc?key=v%201&x="},
        "jsons://user:pw@hooks.example.com:8443/in/abc?method=POST&-key=v%201&-x=",
    ),
    (
        "webhook",
        {"url": "http://hooks.example.com", "method": "PUT"},
        "json://hooks.example.com/?method=PUT",
    ),
    ("custom", {"url": "pover://user@token"}, "pover://user@token"),
]


@pytest.mark.parametrize(("kind", "config", "url"), BUILT)
def test_typed_config_becomes_the_apprise_url(kind, config, url):
    assert build_url(kind, config) == url


@pytest.mark.parametrize(("kind", "config", "url"), BUILT)
def test_every_built_network_url_is_one_apprise_accepts(kind, config, url):
    if kind != "email":
        assert apprise.Apprise.instantiate(url) is not None


def test_a_webhook_query_string_is_sent_as_query_parameters():
    plugin = apprise.Apprise.instantiate(
        build_url("webhook", {"url": "https://hooks.example.com/in?key=v 1&x=2"})
    )
    assert plugin.params == {"key": "v 1", "x": "2"}
    assert plugin.method == "POST"


REFUSED = [
    ("gotify", {"server_url": "https://push.example.com"}, "token", "required"),
    ("gotify", {"server_url": "ftp://push.example.com", "token": "t"}, "server_url", "http"),
    (
        "gotify",
        {"server_url": "https://push.example.com", "token": "t", "priority": "max"},
        "priority",
        "one of",
    ),
    ("ntfy", {"topic": "no spaces"}, "topic", "letters"),
    ("ntfy", {"topic": "t", "username": "me"}, "password", "both"),
    ("ntfy", {"server_url": "https://ntfy.lan/sub", "topic": "t"}, "server_url", "path"),
    ("email", {"address": "not-an-address"}, "address", "valid email"),
    (
        "discord",
        {"webhook_url": "https://example.com/api/webhooks/1/x"},
        "webhook_url",
        "discord.com",
    ),
    ("slack", {"webhook_url": "https://hooks.slack.com/other"}, "webhook_url", "hooks.slack.com"),
    ("telegram", {"bot_token": "nocolon", "chat_id": "1"}, "bot_token", "BotFather"),
    ("telegram", {"bot_token": "1:abc", "chat_id": "me"}, "chat_id", "chat id"),
    ("webhook", {"url": "hooks.example.com/in"}, "url", "http"),
    ("webhook", {"url": "https://hooks.example.com", "method": "GET"}, "method", "one of"),
    ("webhook", {"url": "https://hooks.example.com", "verb": "POST"}, "verb", "Unknown field"),
    ("custom", {"url": ["a list"]}, "url", "string"),
]


@pytest.mark.parametrize(("kind", "config", "field", "words"), REFUSED)
def test_bad_config_is_refused_naming_the_field(kind, config, field, words):
    with pytest.raises(ConfigError) as refused:
        build_url(kind, config)
    assert list(refused.value.errors) == [field]
    assert words.lower() in " ".join(refused.value.errors[field]).lower()


def test_every_model_kind_has_a_registered_kind_with_described_fields():
    assert set(KINDS) == set(Integration.Kind.values)
    for kind in KINDS.values():
        assert kind.label and kind.fields
        assert kind.url_field in {f.name for f in kind.fields}
        for field in kind.fields:
            assert field.type in {"string", "url", "secret", "email", "choice"}
            assert bool(field.choices) == (field.type == "choice")
