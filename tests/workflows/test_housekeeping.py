"""HousekeepingWorkflow end to end on the time-skipping server, with the real activity and DB."""

import ast
import json
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from subscriptions.models import UnsubscribeToken
from workflows.db import orm
from workflows.types import HousekeepingResult
from workflows.worker import build_worker
from workflows.workflows import HousekeepingWorkflow

from ..factories import SubscriptionFactory, UnsubscribeTokenFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def _refresh_token(user, *, expires_in: timedelta) -> str:
    """A refresh token issued the usual way, its OutstandingToken row moved to expire then."""
    jti = RefreshToken.for_user(user)["jti"]
    OutstandingToken.objects.filter(jti=jti).update(expires_at=timezone.now() + expires_in)
    return jti


@pytest.fixture
def tokens(db):
    user = UserFactory()
    expired_refresh = [
        _refresh_token(user, expires_in=-timedelta(minutes=1)),
        _refresh_token(user, expires_in=-timedelta(days=30)),
    ]
    # A blacklisted row goes with its token: delete() counts it, the result must not.
    blacklisted = _refresh_token(user, expires_in=-timedelta(days=1))
    BlacklistedToken.objects.create(token=OutstandingToken.objects.get(jti=blacklisted))
    expired_refresh.append(blacklisted)
    live_refresh = [_refresh_token(user, expires_in=timedelta(days=1))]

    subscription = SubscriptionFactory()
    expired_unsubscribe = [
        UnsubscribeTokenFactory(
            subscription=subscription, expires_at=timezone.now() - timedelta(seconds=5)
        ).pk
    ]
    live_unsubscribe = [
        UnsubscribeTokenFactory(subscription=subscription).pk,
        UnsubscribeTokenFactory(
            subscription=subscription, expires_at=timezone.now() + timedelta(minutes=5)
        ).pk,
    ]
    return {
        "expired_refresh": expired_refresh,
        "live_refresh": live_refresh,
        "expired_unsubscribe": expired_unsubscribe,
        "live_unsubscribe": live_unsubscribe,
    }


@orm
def _remaining():
    return (
        set(OutstandingToken.objects.values_list("jti", flat=True)),
        set(UnsubscribeToken.objects.values_list("pk", flat=True)),
        BlacklistedToken.objects.count(),
    )


async def _run_housekeeping(env) -> HousekeepingResult:
    task_queue = f"housekeeping-{uuid.uuid4()}"
    async with build_worker(env.client, task_queue=task_queue):
        return await env.client.execute_workflow(
            HousekeepingWorkflow.run,
            id=f"housekeeping-{uuid.uuid4()}",
            task_queue=task_queue,
            execution_timeout=timedelta(minutes=1),
        )


@pytest.mark.asyncio
@pytest.mark.temporal
@pytest.mark.django_db(transaction=True)
async def test_housekeeping_deletes_expired_tokens_keeps_live_ones_and_counts_them(
    time_skipping_env, tokens
):
    result = await _run_housekeeping(time_skipping_env)

    assert result == HousekeepingResult(expired_refresh_tokens=3, expired_unsubscribe_tokens=1)
    refresh_left, unsubscribe_left, blacklisted_left = await _remaining()
    assert refresh_left == set(tokens["live_refresh"])
    assert unsubscribe_left == set(tokens["live_unsubscribe"])
    assert blacklisted_left == 0


@pytest.mark.asyncio
@pytest.mark.temporal
@pytest.mark.django_db(transaction=True)
async def test_housekeeping_with_nothing_expired_deletes_nothing_and_reports_zero(
    time_skipping_env,
):
    @orm
    def live_tokens():
        user = UserFactory()
        jti = _refresh_token(user, expires_in=timedelta(hours=1))
        return jti, UnsubscribeTokenFactory().pk

    jti, unsubscribe_pk = await live_tokens()

    result = await _run_housekeeping(time_skipping_env)

    assert result == HousekeepingResult(expired_refresh_tokens=0, expired_unsubscribe_tokens=0)
    refresh_left, unsubscribe_left, _ = await _remaining()
    assert refresh_left == {jti}
    assert unsubscribe_left == {unsubscribe_pk}


# --- workflow code stays free of Django ---------------------------------------------------------


def _modules_loaded_by_importing(module: str) -> list[str]:
    """Import `module` in a fresh interpreter (no django.setup()) and list what got loaded."""
    code = (
        f"import importlib, json, sys; importlib.import_module({module!r}); "
        "print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _django_modules(modules: list[str]) -> list[str]:
    return [m for m in modules if m == "django" or m.startswith("django.")]


def test_workflow_definitions_import_nothing_from_django_even_indirectly():
    loaded = _modules_loaded_by_importing("workflows.workflows")

    assert "workflows.workflows" in loaded
    assert _django_modules(loaded) == []


def test_the_django_import_check_does_see_django_when_a_module_imports_it():
    # Guards the check above: schedules read Django settings, so Django must show up for them.
    assert _django_modules(_modules_loaded_by_importing("workflows.schedules"))


def test_workflow_module_source_has_no_django_or_app_imports():
    tree = ast.parse((ROOT / "workflows" / "workflows.py").read_text())
    imported = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.append("." * node.level + node.module)
        elif isinstance(node, ast.ImportFrom):  # from . import x
            imported += ["." * node.level + alias.name for alias in node.names]

    assert imported, "no imports found: the check is not looking at the right file"
    forbidden = {"django", "rest_framework", "events", "subscriptions", "notifications"}
    # Sibling modules that import Django themselves.
    forbidden_siblings = {"activities", "db", "client", "connection", "worker", "schedules"}
    offenders = [
        name
        for name in imported
        if name.split(".")[0] in forbidden
        or (name.startswith(".") and name.lstrip(".").split(".")[0] in forbidden_siblings)
        or name.removeprefix("workflows.").split(".")[0] in forbidden_siblings
    ]
    assert offenders == []
