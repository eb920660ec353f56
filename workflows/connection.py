"""How to reach Temporal, from settings: address, namespace, TLS and API key (Temporal Cloud)."""

import asyncio
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from temporalio.client import Client
from temporalio.service import TLSConfig


class TemporalUnavailable(Exception):
    """Temporal could not be reached; the message names the address, never a credential."""


def _read(path: str) -> bytes | None:
    return Path(path).read_bytes() if path else None


def _tls() -> TLSConfig | bool:
    cert, key, ca = (
        settings.TEMPORAL_TLS_CLIENT_CERT,
        settings.TEMPORAL_TLS_CLIENT_KEY,
        settings.TEMPORAL_TLS_SERVER_CA,
    )
    if cert or key or ca:
        return TLSConfig(
            client_cert=_read(cert), client_private_key=_read(key), server_root_ca_cert=_read(ca)
        )
    # An API key (Temporal Cloud) implies TLS.
    return settings.TEMPORAL_TLS or bool(settings.TEMPORAL_API_KEY)


async def connect(timeout: float | None = None) -> Client:
    """Connect to Temporal or raise TemporalUnavailable with one readable line."""
    timeout = settings.TEMPORAL_CONNECT_TIMEOUT if timeout is None else timeout
    try:
        # connect_timeout bounds only the TCP connect; a server that accepts and never answers
        # would hold the first RPC for ~30 s, so bound the whole connection too.
        async with asyncio.timeout(timeout):
            return await Client.connect(
                settings.TEMPORAL_ADDRESS,
                namespace=settings.TEMPORAL_NAMESPACE,
                api_key=settings.TEMPORAL_API_KEY or None,
                tls=_tls(),
                connect_timeout=timedelta(seconds=timeout),
            )
    except Exception as exc:
        if isinstance(exc, TimeoutError):
            # The SDK's native side settles the cancelled connect on its own thread and needs the
            # GIL once; without this pause a process exiting right away can panic or hang.
            await asyncio.sleep(0.1)
        raise TemporalUnavailable(
            f"cannot reach Temporal at {settings.TEMPORAL_ADDRESS} "
            f"(namespace {settings.TEMPORAL_NAMESPACE}): {type(exc).__name__}"
        ) from None
