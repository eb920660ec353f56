import pytest


@pytest.mark.django_db
def test_health_ok_when_database_and_temporal_answer(api, temporal_address):
    response = api.get("/api/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "temporal": "ok",
        "version": "0.1.0",
    }


@pytest.mark.django_db
def test_health_names_temporal_when_it_is_down(api, temporal_down):
    response = api.get("/api/health")
    assert response.status_code == 503
    body = response.json()
    assert body["temporal"] == "down"
    assert body["database"] == "ok"
    assert body["status"] == "degraded"
