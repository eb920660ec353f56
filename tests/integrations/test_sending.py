import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core import mail

from integrations.kinds import build_url
from integrations.sending import SendResult, send_to_url

SECRET = "s3cret-pass-9f2c"
TOKEN = "t0ken-segment-77ab"


def send(url, **kwargs):
    return send_to_url(url, title=kwargs.pop("title", "Hello"), body="The body", **kwargs)


def test_a_message_reaches_the_sink_with_title_body_and_type(sink):
    result = send(sink.url("/hook"), title="Starts soon", level="critical")
    assert result == SendResult(ok=True)
    [request] = sink.received
    assert (request.method, request.path) == ("POST", "/hook")
    assert request.json["title"] == "Starts soon"
    assert request.json["message"] == "The body"
    assert request.json["type"] == "failure"  # critical is Apprise's FAILURE


@pytest.mark.parametrize(("level", "apprise_type"), [("info", "info"), ("warning", "warning")])
def test_levels_map_to_apprise_notify_types(sink, level, apprise_type):
    assert send(sink.url(), level=level).ok
    assert sink.received[0].json["type"] == apprise_type


def test_a_gotify_channel_built_from_its_fields_reaches_the_sink(sink):
    url = build_url(
        "gotify", {"server_url": f"http://{sink.netloc}/gotify", "token": TOKEN, "priority": "high"}
    )
    assert send(url).ok
    [request] = sink.received
    assert request.path == "/gotify/message"
    assert request.headers["X-Gotify-Key"] == TOKEN
    assert request.json["priority"] == 8


def test_a_server_error_is_a_transient_failure_with_its_reason(sink):
    sink.status = 500
    result = send(sink.url())
    assert (result.ok, result.permanent) == (False, False)
    assert "500" in result.reason
    assert len(sink.received) == 1  # Apprise did not retry: Temporal does


@pytest.mark.parametrize("status", [400, 401, 403, 404])
def test_a_refusal_by_the_channel_is_permanent(sink, status):
    sink.status = status
    result = send(sink.url())
    assert (result.ok, result.permanent) == (False, True)
    assert str(status) in result.reason


@pytest.mark.parametrize("status", [408, 429, 502, 503])
def test_busy_or_broken_channels_are_transient(sink, status):
    sink.status = status
    result = send(sink.url())
    assert (result.ok, result.permanent) == (False, False)
    assert str(status) in result.reason


def test_nothing_listening_is_a_transient_connection_failure(sink):
    port = sink.port
    sink.stop()
    result = send(f"json://127.0.0.1:{port}/hook")
    assert (result.ok, result.permanent) == (False, False)
    assert "Connection error" in result.reason


def test_a_url_that_cannot_be_decrypted_is_a_permanent_failure():
    assert send(None) == SendResult(
        ok=False, permanent=True, reason="the stored channel URL cannot be decrypted"
    )


def test_a_guard_refusal_is_permanent_and_nothing_is_sent(make_sink):
    target = make_sink()  # loopback, not allowed
    result = send(target.url())
    assert (result.ok, result.permanent) == (False, True)
    assert "loopback" in result.reason
    assert target.connections == 0


def test_an_invalid_url_is_a_permanent_failure():
    result = send("json://")
    assert (result.ok, result.permanent) == (False, True)


def test_service_email_goes_through_the_django_mail_backend():
    assert send("mailto:alice@example.com", title="Soon\nish") == SendResult(ok=True)
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    assert message.subject == "Soon ish"
    assert message.body == "The body"


def test_a_failing_mail_server_is_a_transient_failure(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    result = send("mailto:alice@example.com")
    assert (result.ok, result.permanent) == (False, False)
    assert "mail server" in result.reason
    assert "alice" not in result.reason


@pytest.mark.parametrize("loopback", ["127.0.0.2", "::1"])
def test_a_redirect_to_an_address_not_allowed_is_blocked_at_connect_time(
    make_sink, settings, loopback
):
    sink = make_sink()
    target = make_sink(loopback)
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.1/32"]  # the sink only
    sink.status, sink.headers = 302, {"Location": target.url("/stolen", scheme="http")}
    result = send(sink.url())
    assert (result.ok, result.permanent) == (False, True)
    assert f"The host {loopback} is a loopback address" in result.reason
    assert len(sink.received) == 1
    assert target.connections == 0


def test_the_same_redirect_is_followed_when_its_target_is_allowed(make_sink, settings):
    # The control for the test above: the redirect target is reachable when allowed.
    sink, target = make_sink(), make_sink("127.0.0.2")
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    sink.status, sink.headers = 302, {"Location": target.url("/moved", scheme="http")}
    assert send(sink.url()).ok
    assert [r.path for r in target.received] == ["/moved"]


def test_no_secret_reaches_the_reason_or_any_log(sink, caplog):
    caplog.set_level(logging.DEBUG)
    urls = [
        f"json://user:{SECRET}@{sink.netloc}/in/{TOKEN}",
        f"json://user:{SECRET}@127.0.0.1:1/in/{TOKEN}",  # nothing listens
        f"json://user:{SECRET}@10.0.0.1/in/{TOKEN}",  # refused by the guard
        f"json://user:{SECRET}@/{TOKEN}",  # malformed
        f"discord://123456789/{TOKEN}",  # no network here: a connection error
    ]
    reasons = []
    for status in (200, 401, 500):
        sink.status = status
        reasons += [send(url).reason for url in urls]
    text = " ".join(reasons) + caplog.text + " ".join(r.getMessage() for r in caplog.records)
    assert any(reasons)
    assert SECRET not in text
    assert TOKEN not in text


def test_concurrent_sends_keep_their_own_outcomes_and_reasons(make_sink, settings):
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    sinks = {200: make_sink(), 401: make_sink(), 503: make_sink()}
    for status, sink in sinks.items():
        sink.status = status
    jobs = [status for status in sinks for _ in range(20)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(lambda status: send(sinks[status].url()), jobs))
    for status, result in zip(jobs, results, strict=True):
        assert result.ok == (status == 200)
        assert result.permanent == (status == 401)
        assert (str(status) in result.reason) == (status != 200)
    assert {status: len(sink.received) for status, sink in sinks.items()} == {
        200: 20,
        401: 20,
        503: 20,
    }
