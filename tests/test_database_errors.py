"""A database that went away is a 503 the client may retry; a bug in a query stays a 500."""

import pytest
from django.db import OperationalError, ProgrammingError, connection
from rest_framework.test import APIClient


def failing(exc_type):
    def wrapper(execute, sql, params, many, context):
        raise exc_type("boom")

    return wrapper


@pytest.mark.django_db
def test_a_lost_database_is_a_503_with_retry_after(user):
    api = APIClient()
    api.force_authenticate(user)
    with connection.execute_wrapper(failing(OperationalError)):
        response = api.get("/api/integrations")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "unavailable" in response.json()["detail"]


@pytest.mark.django_db
def test_a_broken_query_is_a_500_not_a_retryable_503(user):
    api = APIClient(raise_request_exception=False)
    api.force_authenticate(user)
    with connection.execute_wrapper(failing(ProgrammingError)):
        response = api.get("/api/integrations")
    assert response.status_code == 500
