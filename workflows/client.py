"""Temporal from synchronous Django code: one client per process on a background loop.

Views and services are synchronous; the Temporal SDK is asyncio. A daemon thread owns an
event loop and the connected client, and `call` runs a coroutine there. A failed connection
is retried on the next call, so the web process recovers when Temporal comes back.
"""

import asyncio
import threading
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

from temporalio.client import Client

from .connection import TemporalUnavailable, connect

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_client: Client | None = None


def _event_loop() -> asyncio.AbstractEventLoop:
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            _loop = asyncio.new_event_loop()
            threading.Thread(target=_loop.run_forever, name="temporal-client", daemon=True).start()
        return _loop


async def _get_client() -> Client:
    global _client
    if _client is None:
        _client = await connect()
    return _client


def call(fn: Callable[[Client], Awaitable[T]], timeout: float = 10.0) -> T:
    """Run `fn(client)` on the client loop and wait for it; TemporalUnavailable if unreachable."""

    async def run():
        return await fn(await _get_client())

    future = asyncio.run_coroutine_threadsafe(run(), _event_loop())
    try:
        return future.result(timeout=timeout)
    except TimeoutError:
        future.cancel()
        raise TemporalUnavailable("Temporal did not answer in time") from None


def check_health(timeout: float = 2.0) -> bool:
    """True when the frontend answers a health check within `timeout` seconds."""

    async def ping(client: Client) -> bool:
        return await client.service_client.check_health(timeout=timedelta(seconds=timeout))

    try:
        return bool(call(ping, timeout=timeout + 3))
    except Exception:
        return False


def reset() -> None:
    """Forget the connected client, e.g. after TEMPORAL_ADDRESS changed."""
    global _client
    _client = None
