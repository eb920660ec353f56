"""Hostile channel targets: no spelling of this machine's address, no redirect and no proxy
gets a connection to a loopback listener — whether the URL is submitted or already stored.
"""

import re

import pytest

from integrations.sending import send_to_url
from tests.factories import IntegrationFactory
from tests.security.conftest import ForwardProxy

pytestmark = pytest.mark.django_db

LOOPBACK_NAME = r"resolves to 127\.0\.0\.1, a loopback address"
NOT_APPRISE = r"not a valid \w+:// URL"  # Apprise's own parser refuses the host

# (host as written in the URL, the listener it would reach (4: 127.0.0.1, 6: ::1), reason)
HOSTILE = [
    ("127.0.0.1", 4, r"127\.0\.0\.1 is a loopback address"),
    ("2130706433", 4, LOOPBACK_NAME),  # decimal
    ("0x7f000001", 4, LOOPBACK_NAME),  # hex
    ("017700000001", 4, LOOPBACK_NAME),  # octal, one number
    ("0177.0.0.1", 4, NOT_APPRISE),  # octal dotted
    ("127.1", 4, NOT_APPRISE),  # short form
    ("0x7f.1", 4, NOT_APPRISE),
    ("[::1]", 6, r"::1 is a loopback address"),
    ("[::ffff:127.0.0.1]", 4, NOT_APPRISE),  # IPv4-mapped, dotted
    ("[::ffff:7f00:1]", 4, r"a wrapped form of a loopback address"),  # IPv4-mapped, hex
    ("[::127.0.0.1]", 4, NOT_APPRISE),  # IPv4-compatible (deprecated)
    ("0.0.0.0", 4, r"0\.0\.0\.0 is an unspecified address"),  # noqa: S104 - Linux: loopback
    ("0", 4, NOT_APPRISE),
    ("localhost", 4, LOOPBACK_NAME),
    ("LOCALHOST", 4, LOOPBACK_NAME),
    ("LOCALHOST.", 4, LOOPBACK_NAME),  # Apprise drops the root dot; so does the resolver
    ("169.254.169.254", 4, r"169\.254\.169\.254 is a link-local address"),  # cloud metadata
]
IDS = [host for host, _, _ in HOSTILE]


def at(host: str, listeners, side: int) -> str:
    return f"{host}:{listeners[side].port}"


def assert_silent(listeners):
    assert [listener.connections for listener in listeners.values()] == [0, 0]


@pytest.mark.parametrize(("host", "side", "reason"), HOSTILE, ids=IDS)
def test_a_hostile_url_is_refused_by_the_api_with_its_reason(
    auth_api, listeners, host, side, reason
):
    netloc = at(host, listeners, side)
    submissions = [
        ({"name": "c", "kind": "custom", "url": f"json://{netloc}/hook"}, ["url"]),
        (
            {"name": "w", "kind": "webhook", "config": {"url": f"http://{netloc}/"}},
            ["config", "url"],
        ),
        (
            {
                "name": "g",
                "kind": "gotify",
                "config": {"server_url": f"http://{netloc}", "token": "t"},
            },
            ["config", "server_url"],
        ),
    ]
    for payload, path in submissions:
        response = auth_api.post("/api/integrations", payload, format="json")
        assert response.status_code == 400, payload
        errors = response.json()
        for key in path:
            errors = errors[key]
        assert re.search(reason, errors[0]), errors
    assert auth_api.get("/api/integrations").json()["count"] == 0
    assert_silent(listeners)


@pytest.mark.parametrize(("host", "side", "reason"), HOSTILE, ids=IDS)
def test_a_stored_hostile_url_is_refused_at_send_time(
    auth_api, user, listeners, host, side, reason
):
    netloc = at(host, listeners, side)
    # Written straight to the table: as if validation had been bypassed or the rules changed.
    channel = IntegrationFactory(user=user, apprise_url=f"json://{netloc}/hook")

    response = auth_api.post(f"/api/integrations/{channel.pk}/test")

    assert response.status_code == 502
    body = response.json()
    assert body["ok"] is False and body["permanent"] is True
    assert re.search(reason, body["reason"])
    for scheme in ("json", "form", "xml", "gotify"):
        result = send_to_url(f"{scheme}://{netloc}/hook", title="t", body="b")
        assert (result.ok, result.permanent) == (False, True), scheme
    assert_silent(listeners)


# --- redirects: an allowed server that points elsewhere -------------------------------------

PLUGINS = {
    "json": "json://{netloc}/hook",
    "form": "form://{netloc}/hook",
    "xml": "xml://{netloc}/hook",
    "ntfy": "ntfy://{netloc}/alerts",
    "gotify": "gotify://{netloc}/app-token",
}


@pytest.fixture
def redirector(make_sink, listeners, settings):
    """An allowed server (127.0.0.2, playing a public one) answering a redirect into loopback."""
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.2/32"]
    return make_sink("127.0.0.2", status=307)


def redirect_to(redirector, location: str) -> None:
    redirector.headers["Location"] = location


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize("plugin", list(PLUGINS))
def test_no_plugin_follows_a_redirect_into_a_private_address(redirector, listeners, plugin, status):
    redirector.status = status
    redirect_to(redirector, f"http://127.0.0.1:{listeners[4].port}/stolen")

    result = send_to_url(PLUGINS[plugin].format(netloc=redirector.netloc), title="t", body="b")

    assert len(redirector.received) == 1  # the allowed server was reached...
    assert (result.ok, result.permanent) == (False, True)  # ...its redirect was not followed
    assert "127.0.0.1 is a loopback address" in result.reason
    assert_silent(listeners)


@pytest.mark.parametrize(
    "location",
    [
        "http://localhost:{port4}/",
        "http://[::1]:{port6}/",
        "http://[::ffff:127.0.0.1]:{port4}/",
        "http://0.0.0.0:{port4}/",
        "http://2130706433:{port4}/",
        "http://127.1:{port4}/",
    ],
)
def test_a_redirect_to_any_spelling_of_loopback_is_not_followed(redirector, listeners, location):
    redirect_to(redirector, location.format(port4=listeners[4].port, port6=listeners[6].port))

    result = send_to_url(PLUGINS["json"].format(netloc=redirector.netloc), title="t", body="b")

    assert len(redirector.received) == 1
    assert (result.ok, result.permanent) == (False, True)
    assert re.search(r"loopback address|unspecified address", result.reason)
    assert_silent(listeners)


def test_the_test_send_endpoint_reports_a_refused_redirect(auth_api, user, redirector, listeners):
    redirect_to(redirector, f"http://127.0.0.1:{listeners[4].port}/")
    created = auth_api.post(
        "/api/integrations",
        {"name": "hook", "kind": "webhook", "config": {"url": f"http://{redirector.netloc}/in"}},
        format="json",
    )
    assert created.status_code == 201  # the server itself is allowed

    response = auth_api.post(f"/api/integrations/{created.json()['id']}/test")

    assert response.status_code == 502
    assert "127.0.0.1 is a loopback address" in response.json()["reason"]
    assert_silent(listeners)


# --- proxies from the environment -----------------------------------------------------------


@pytest.fixture
def proxy_env(monkeypatch, forward_proxy, settings):
    """HTTP(S)_PROXY and ALL_PROXY name a working forward proxy (allowed, as a public one is)."""
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.2/32", "127.0.0.3/32"]
    address = f"http://127.0.0.3:{forward_proxy.port}"
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, address)
        monkeypatch.setenv(name.upper(), address)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    return forward_proxy


def test_sends_ignore_proxy_settings_so_a_proxy_cannot_reach_what_the_guard_refuses(
    redirector, listeners, proxy_env: ForwardProxy
):
    # Through a proxy, the proxy would resolve and connect to the redirect's target.
    redirect_to(redirector, f"http://127.0.0.1:{listeners[4].port}/stolen")

    result = send_to_url(PLUGINS["json"].format(netloc=redirector.netloc), title="t", body="b")

    assert proxy_env.requests == []
    assert len(redirector.received) == 1  # sent directly
    assert "127.0.0.1 is a loopback address" in result.reason
    assert_silent(listeners)


def test_with_a_proxy_configured_the_target_host_is_still_checked(listeners, proxy_env):
    result = send_to_url(f"json://127.0.0.1:{listeners[4].port}/hook", title="t", body="b")

    assert (result.ok, result.permanent) == (False, True)
    assert "127.0.0.1 is a loopback address" in result.reason
    assert proxy_env.requests == []
    assert_silent(listeners)


def test_a_send_to_an_allowed_server_works_without_the_proxy(make_sink, proxy_env):
    server = make_sink("127.0.0.2")

    assert send_to_url(f"json://{server.netloc}/hook", title="t", body="b").ok

    assert len(server.received) == 1
    assert proxy_env.requests == []
