"""The network guard as the API shows it: every refusal a 400 naming the field, nothing stored."""

import pytest

from integrations.models import Integration

pytestmark = pytest.mark.django_db

LIST = "/api/integrations"


def custom(url):
    return {"name": "c", "kind": "custom", "url": url}, ["url"]


def webhook(url):
    return {"name": "w", "kind": "webhook", "config": {"url": url}}, ["config", "url"]


def gotify(server_url):
    config = {"server_url": server_url, "token": "t0ken"}
    return {"name": "g", "kind": "gotify", "config": config}, ["config", "server_url"]


# Every other spelling of this machine (decimal, hex, octal, IPv6, names) is in
# tests/security/test_network_guard.py, with a listener that must get no connection.
REFUSED = [
    (custom("json://127.0.0.1:9000/hook"), "The host 127.0.0.1 is a loopback address"),
    (webhook("http://169.254.169.254/latest/meta-data/"), "169.254.169.254 is a link-local"),
    (custom("json://10.0.0.1/"), "The host 10.0.0.1 is a private address"),
    (webhook("http://[::ffff:10.0.0.1]/"), "private address"),
    (gotify("http://192.168.1.2"), "192.168.1.2 is a private address"),
    (custom("syslog://"), "syslog:// notifies this machine, not a network service"),
    (custom("json://"), "This is not a valid json:// URL"),
    (custom("nope://example.com/x"), "Apprise has no service with the scheme nope://"),
    (custom("just some words"), "This is not an Apprise URL"),
    (custom("json://no-such-host.invalid/"), "no-such-host.invalid cannot be resolved"),
]


@pytest.mark.parametrize(("request_and_field", "reason"), REFUSED)
def test_a_refused_url_is_a_400_with_the_reason_and_nothing_is_stored(
    auth_api, request_and_field, reason
):
    payload, path = request_and_field
    response = auth_api.post(LIST, payload, format="json")
    assert response.status_code == 400
    errors = response.json()
    for key in path:
        errors = errors[key]
    assert reason in errors[0]
    assert not Integration.objects.exists()


def test_a_custom_url_may_also_come_inside_config(auth_api):
    response = auth_api.post(
        LIST, {"name": "c", "kind": "custom", "config": {"url": "json://10.0.0.1/"}}, format="json"
    )
    assert response.status_code == 400
    assert "private address" in response.json()["config"]["url"][0]


def test_the_operator_allow_list_admits_a_lan_server(auth_api, settings):
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["192.168.1.0/24"]
    config = {"server_url": "http://192.168.1.2:8080", "token": "t0ken"}
    response = auth_api.post(
        LIST, {"name": "lan", "kind": "gotify", "config": config}, format="json"
    )
    assert response.status_code == 201
    assert Integration.objects.get().apprise_url == "gotify://192.168.1.2:8080/t0ken"
