import logging
import re

import pytest


@pytest.mark.django_db
def test_openapi_schema_documents_the_accounts_endpoints(api):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/users/me",
        "/api/health",
    ]:
        assert path in paths


@pytest.mark.django_db
def test_api_docs_load_their_assets_from_this_server(client):
    page = client.get("/api/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(a.startswith("/") for a in assets), assets  # no CDN: the sidecar serves them
    for asset in assets:
        if asset.startswith("/static/"):
            assert client.get(asset).status_code == 200, asset


@pytest.mark.django_db
def test_request_log_line_has_no_query_string(client, caplog):
    with caplog.at_level(logging.INFO, logger="soonish.request"):
        client.get("/api/auth/verify?token=secret-token-value")
    lines = [r.getMessage() for r in caplog.records if r.name == "soonish.request"]
    assert lines == [
        "request method=GET path=/api/auth/verify status=400 duration_ms="
        + lines[0].split("duration_ms=")[1]
    ]
    assert "secret-token-value" not in lines[0]
