import pytest

from tests.conftest import run_manage


@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_KEYS"])
def test_start_up_without_a_secret_stops_with_one_line_naming_it(missing):
    result = run_manage("check", env={"DEBUG": "false", missing: ""})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        f"soonish: {missing} is not set; it is required when DEBUG is off."
    ]


def test_debug_runs_without_any_secret():
    result = run_manage(
        "check", env={"DEBUG": "true", "SECRET_KEY": "", "FIELD_ENCRYPTION_KEYS": ""}
    )
    assert result.returncode == 0, result.stderr


def test_throttle_counters_are_shared_by_every_process_of_the_default_setup(tmp_path):
    """Two processes (two gunicorn workers) see one counter: a per-process cache would let
    each grant the whole throttle budget."""
    script = (
        "from django.core.cache import cache; "
        "cache.set('hits', (cache.get('hits') or 0) + 1); print(cache.get('hits'))"
    )
    env = {"SOONISH_DATA_DIR": str(tmp_path)}
    first = run_manage("shell", "-c", script, env=env, unset=["CACHE_URL"])
    second = run_manage("shell", "-c", script, env=env, unset=["CACHE_URL"])
    counts = [r.stdout.strip().splitlines()[-1] for r in (first, second)]
    assert counts == ["1", "2"], first.stderr
