"""The web side's synchronous Temporal bridge: readable failures, health, recovery."""

import asyncio
import socket
import time

import pytest
from temporalio.client import Client

from tests.helpers import wait_for
from workflows import client as temporal_client
from workflows.connection import TemporalUnavailable
from workflows.devserver import free_port, start_dev_server, stop

pytestmark = pytest.mark.temporal


async def _namespace(client: Client) -> str:
    return client.namespace


def test_call_against_a_down_address_raises_temporal_unavailable_naming_the_address(
    temporal_down,
):
    started = time.monotonic()
    with pytest.raises(TemporalUnavailable) as caught:
        temporal_client.call(_namespace)
    elapsed = time.monotonic() - started

    assert elapsed < 6, f"took {elapsed:.1f} s to report Temporal unavailable"
    message = str(caught.value)
    assert temporal_down in message
    assert "\n" not in message


def test_call_gives_up_within_the_connect_timeout_when_a_server_accepts_but_never_answers(
    settings,
):
    """A blackholed address (TCP accepted, no gRPC reply) must not hang a web request."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.TEMPORAL_ADDRESS = f"127.0.0.1:{silent.getsockname()[1]}"
        settings.TEMPORAL_CONNECT_TIMEOUT = 1
        temporal_client.reset()
        try:
            started = time.monotonic()
            with pytest.raises(TemporalUnavailable) as caught:
                temporal_client.call(_namespace, timeout=10)
            elapsed = time.monotonic() - started
        finally:
            temporal_client.reset()

    assert elapsed < 5, f"took {elapsed:.1f} s to report Temporal unavailable"
    assert settings.TEMPORAL_ADDRESS in str(caught.value)


def test_call_runs_the_coroutine_with_a_connected_client(temporal_address):
    assert temporal_client.call(_namespace) == "default"


def test_call_that_outlives_its_timeout_raises_temporal_unavailable_naming_the_address(
    temporal_address,
):
    async def hang(client: Client) -> None:
        await asyncio.sleep(30)

    started = time.monotonic()
    with pytest.raises(TemporalUnavailable) as caught:
        temporal_client.call(hang, timeout=0.5)

    assert time.monotonic() - started < 3
    assert temporal_address in str(caught.value)
    # The bridge still works afterwards: the timed-out call did not wedge its loop.
    assert temporal_client.call(_namespace) == "default"


def test_check_health_is_false_when_temporal_is_down(temporal_down):
    started = time.monotonic()
    assert temporal_client.check_health() is False
    assert time.monotonic() - started < 6


def test_check_health_is_true_against_the_dev_server(temporal_address):
    assert temporal_client.check_health() is True


def test_health_turns_true_after_pointing_from_a_down_address_to_the_up_one(
    temporal_down, temporal_dev_server, settings
):
    assert temporal_client.check_health() is False

    settings.TEMPORAL_ADDRESS = temporal_dev_server
    temporal_client.reset()

    assert temporal_client.check_health() is True


def test_health_recovers_when_temporal_comes_back_on_the_same_address(settings):
    """A failed connection is not cached: the next call connects again, no reset() needed."""
    port = free_port()
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{port}"
    temporal_client.reset()
    try:
        assert temporal_client.check_health() is False

        server = start_dev_server(port=port)
        try:
            # The port opens before the frontend serves; a loaded machine needs a few seconds.
            wait_for(temporal_client.check_health, timeout=30, message="health after restart")
        finally:
            stop(server)
    finally:
        temporal_client.reset()
