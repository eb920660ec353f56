"""Temporal stopped under a running web process: creating an event is refused quickly and
leaves nothing, health says so, and both recover when Temporal is back on the same address."""

import time
import uuid

import pytest

from events.models import Event
from tests.events.test_api import new_event
from tests.factories import UserFactory
from tests.helpers import client_for, wait_for
from workflows import client as temporal_client
from workflows.devserver import free_port, start_dev_server, stop

pytestmark = [pytest.mark.faults, pytest.mark.temporal, pytest.mark.django_db]


@pytest.fixture
def own_temporal(settings):
    """A dev server of this test's own on a free port, which the test stops and starts again."""
    port = free_port()
    servers = [start_dev_server(port=port)]
    settings.TEMPORAL_ADDRESS = f"127.0.0.1:{port}"
    settings.TEMPORAL_TASK_QUEUE = f"test-down-{uuid.uuid4().hex[:8]}"  # no worker: none needed
    temporal_client.reset()  # once, before the first connection: the web process starts here

    def restart():
        servers.append(start_dev_server(port=port))

    yield servers, restart
    for server in servers:
        stop(server)
    temporal_client.reset()


def test_with_temporal_stopped_create_is_refused_fast_and_recovers_without_a_restart(
    own_temporal, api
):
    servers, restart = own_temporal
    organizer = client_for(UserFactory())
    assert organizer.post("/api/events", new_event(), format="json").status_code == 201
    assert api.get("/api/health").status_code == 200
    events = Event.objects.count()

    stop(servers[0])
    started = time.monotonic()
    response = organizer.post("/api/events", new_event(name="While down"), format="json")
    elapsed = time.monotonic() - started
    assert response.status_code == 503, response.content
    assert elapsed < 5, f"503 after {elapsed:.1f} s"
    assert Event.objects.count() == events
    health = api.get("/api/health")
    assert health.status_code == 503
    assert health.json()["temporal"] == "down"
    assert health.json()["database"] == "ok"

    restart()
    # The port opens before the frontend serves: wait for health, as a load balancer would.
    wait_for(lambda: api.get("/api/health").status_code == 200, timeout=60, message="health")
    response = organizer.post("/api/events", new_event(name="After"), format="json")
    assert response.status_code == 201, response.content
    assert Event.objects.filter(name="After").exists()
