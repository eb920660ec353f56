"""Production settings pass Django's deploy checks and send the security headers."""

import secrets

import pytest

from tests.conftest import run_manage

# What the test run sets (pytest-env) or a developer may have set, and production would not.
HARDENING = (
    "DEBUG",
    "DATABASE_URL",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
)


def production_env(tmp_path) -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "FIELD_ENCRYPTION_KEYS": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "soonish.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://soonish.example.org",
        "SOONISH_DATA_DIR": str(tmp_path),
    }


def test_check_deploy_passes_with_production_settings(tmp_path):
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(tmp_path),
        unset=HARDENING,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


SHOW = (
    "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS,"
    " s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
)


def test_production_defaults_are_https_only(tmp_path):
    result = run_manage(
        "shell", "-v", "0", "-c", SHOW, env=production_env(tmp_path), unset=HARDENING
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "True"]


def test_debug_as_make_run_sets_it_stays_on_plain_http(tmp_path):
    env = {"DEBUG": "true", "SOONISH_DATA_DIR": str(tmp_path)}
    result = run_manage("shell", "-v", "0", "-c", SHOW, env=env, unset=HARDENING)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "0", "False", "False"]


COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/integrations/kinds", "/api/users/me"])
def test_security_headers_on_pages_and_api_answers(client, path):
    response = client.get(path, secure=True)
    assert response.status_code in (200, 401), response.status_code
    for header, value in COMMON_HEADERS.items():
        assert response.headers.get(header) == value, header
    # The suite runs with production's defaults but DEBUG off: HSTS on every https answer.
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


@pytest.mark.django_db
def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.django_db
def test_production_redirects_plain_http_to_https_except_the_health_check(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/events?q=x")
    assert response.status_code == 301
    assert response.headers["Location"] == "https://testserver/events?q=x"
    assert client.get("/api/health").status_code in (200, 503)  # answered, not redirected


@pytest.mark.django_db
def test_behind_a_tls_proxy_the_forwarded_scheme_counts(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response.headers
