"""Throttles: every door that logs in, signs up, mails, subscribes or test-sends answers 429 with
Retry-After once over its rate — through the API and through the equivalent page alike.
"""

import itertools
from types import SimpleNamespace

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import EventFactory, IntegrationFactory
from tests.helpers import client_for, set_throttle_rates

pytestmark = pytest.mark.django_db

RATE = 2  # requests a minute, every scope, in these tests
_numbers = itertools.count()


def fresh_email() -> str:
    return f"visitor{next(_numbers)}@example.org"


@pytest.fixture(autouse=True)
def small_rates(settings):
    scopes = ("auth", "auth_email", "test_send", "subscribe")
    set_throttle_rates(settings, **dict.fromkeys(scopes, f"{RATE}/min"))


@pytest.fixture
def doors(user, sink, temporal_down):
    """Clients and targets: anonymous and signed-in, API and pages, an event, a channel."""
    signed_in = Client()
    signed_in.force_login(user)
    return SimpleNamespace(
        user=user,
        api=APIClient(),
        auth_api=client_for(user),
        client=Client(),
        signed_in=signed_in,
        event=EventFactory(),
        channel=IntegrationFactory(user=user, name="Sink", apprise_url=sink.url()),
        sink=sink,
    )


def api_post(client, path, data=None):
    return client.post(path, data or {}, format="json")


API = {
    "login": ("auth", lambda d: api_post(d.api, "/api/auth/login", login_data(d))),
    "register": (
        "auth",
        lambda d: api_post(
            d.api,
            "/api/auth/register",
            {"email": fresh_email(), "password": "a long pass phrase 42", "name": "N"},
        ),
    ),
    "password reset": (
        "auth_email",
        lambda d: api_post(d.api, "/api/auth/password-reset", {"email": fresh_email()}),
    ),
    "subscribe (signed in)": (
        "subscribe",
        lambda d: api_post(d.auth_api, f"/api/events/{d.event.pk}/subscribe"),
    ),
    "subscribe (by email)": (
        "subscribe",
        lambda d: api_post(d.api, f"/api/events/{d.event.pk}/subscribe", {"email": fresh_email()}),
    ),
    "test send": ("test_send", lambda d: d.auth_api.post(f"/api/integrations/{d.channel.pk}/test")),
}

PAGES = {
    "login": lambda d: d.client.post(
        "/accounts/login", {"username": d.user.email, "password": "x"}
    ),
    "signup": lambda d: d.client.post(
        "/accounts/signup",
        {
            "email": fresh_email(),
            "name": "N",
            "password": "a long pass phrase 42",
            "password_again": "a long pass phrase 42",
        },
    ),
    "password reset": lambda d: d.client.post("/accounts/password-reset", {"email": fresh_email()}),
    "subscribe (signed in)": lambda d: d.signed_in.post(
        f"/events/{d.event.pk}", {"reminders": ["3600"]}
    ),
    "subscribe (by email)": lambda d: d.client.post(
        f"/events/{d.event.pk}", {"email": fresh_email(), "reminders": ["3600"]}
    ),
    "channel test": lambda d: d.signed_in.post(f"/channels/{d.channel.pk}/test"),
    "admin login": lambda d: d.client.post(
        "/admin/login/", {"username": d.user.email, "password": "x"}
    ),
}
# The API endpoint whose budget each page shares.
SAME_BUDGET = {"signup": "register", "channel test": "test send", "admin login": "login"}


def login_data(d):
    return {"email": d.user.email, "password": "wrong password"}


def spend_the_budget(door, d) -> None:
    for _ in range(RATE):
        assert door(d).status_code != 429


def assert_retry_after(response) -> None:
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


@pytest.mark.parametrize("name", list(API))
def test_each_api_door_answers_429_with_retry_after_over_its_rate(doors, name):
    _, door = API[name]
    spend_the_budget(door, doors)

    response = door(doors)

    assert_retry_after(response)
    assert "throttled" in response.json()["detail"].lower()


@pytest.mark.parametrize("name", list(PAGES))
def test_each_page_form_answers_429_with_a_readable_message_over_its_rate(doors, name):
    door = PAGES[name]
    spend_the_budget(door, doors)

    response = door(doors)

    assert_retry_after(response)
    html = response.content.decode()
    assert "Too many attempts" in html
    assert f"wait {response['Retry-After']} second" in html
    assert doors.client.get("/accounts/login").status_code == 200  # reading is not limited


@pytest.mark.parametrize("name", list(PAGES))
def test_a_page_and_its_api_endpoint_share_one_budget(doors, name):
    _, api_door = API[SAME_BUDGET.get(name, name)]
    spend_the_budget(api_door, doors)

    assert_retry_after(PAGES[name](doors))


def test_a_throttled_test_send_sends_nothing_and_htmx_gets_the_message_in_place(doors):
    for _ in range(RATE):
        doors.signed_in.post(f"/channels/{doors.channel.pk}/test", HTTP_HX_REQUEST="true")

    response = doors.signed_in.post(f"/channels/{doors.channel.pk}/test", HTTP_HX_REQUEST="true")

    assert_retry_after(response)
    html = response.content.decode()
    assert "Too many attempts" in html and "<html" not in html  # a fragment for the result
    assert len(doors.sink.received) == RATE


# --- who is "one client": the connecting address, or the one a trusted proxy names ---------


def api_login(d, **meta):
    return d.api.post("/api/auth/login", login_data(d), format="json", **meta)


def test_a_client_cannot_choose_its_bucket_with_x_forwarded_for(doors):
    for n in range(RATE):
        api_login(doors, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    response = api_login(doors, HTTP_X_FORWARDED_FOR="198.51.100.99")

    assert_retry_after(response)


def test_behind_a_proxy_clients_are_told_apart_by_the_address_it_appends(doors, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = {"REMOTE_ADDR": "10.0.0.5"}
    for _ in range(RATE):
        api_login(doors, HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)

    # The same client with a made-up first entry: the proxy's own entry still names it.
    spoofed = api_login(doors, HTTP_X_FORWARDED_FOR="192.0.2.1, 198.51.100.7", **proxy)
    other_client = api_login(doors, HTTP_X_FORWARDED_FOR="203.0.113.9", **proxy)

    assert_retry_after(spoofed)
    assert other_client.status_code == 401
