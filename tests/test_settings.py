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
