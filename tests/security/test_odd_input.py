"""Odd input the schemathesis run found mishandled: each now gets a documented 4xx, never a 500."""

import pytest

from tests.factories import DeliveryFactory, EventFactory, SubscriptionFactory

HUGE = 2**70


@pytest.fixture
def mine(user):
    event = EventFactory(organizer=user)
    subscription = SubscriptionFactory(user=user, event=event)
    return {
        "event": event,
        "subscription": subscription,
        "delivery": DeliveryFactory(subscription=subscription),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("patch", "/api/events/null,null"),
        ("delete", "/api/events/abc"),
        ("post", "/api/events/abc/announce"),
        ("get", "/api/events/abc/status"),
    ],
)
def test_a_malformed_event_id_is_a_404_for_organizer_actions(auth_api, method, path):
    response = getattr(auth_api, method)(path, {}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.django_db
def test_paths_no_route_matches_answer_json_under_api_and_html_elsewhere(auth_api, client):
    response = auth_api.get("/api/integrations/abc")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    page = client.get("/channels/abc/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("limit=abc", "limit"),
        ("limit=0", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
    ],
)
def test_pagination_refuses_what_it_used_to_ignore(auth_api, query, field):
    response = auth_api.get(f"/api/subscriptions?{query}")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.django_db
def test_pagination_caps_the_limit(auth_api, mine):
    body = auth_api.get("/api/subscriptions?limit=1000&offset=0").json()
    assert body["count"] == 1 and len(body["results"]) == 1


@pytest.mark.django_db
def test_deliveries_of_an_unknown_event_are_an_empty_list(auth_api, mine):
    assert auth_api.get("/api/deliveries?event=999999").json()["count"] == 0
    assert auth_api.get(f"/api/deliveries?event={mine['event'].pk}").json()["count"] == 1


@pytest.mark.django_db
@pytest.mark.parametrize("query", [f"event={HUGE}", "event=0", "event=", "status=", "kind="])
def test_deliveries_refuse_ids_out_of_range_and_blank_filters(auth_api, mine, query):
    assert auth_api.get(f"/api/deliveries?{query}").status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["starts_before=", "starts_after=", "mine="])
def test_event_filters_refuse_blank_values(auth_api, query):
    response = auth_api.get(f"/api/events?{query}")
    assert response.status_code == 400
    assert query.rstrip("=") in response.json()


@pytest.mark.django_db
def test_an_integration_id_beyond_64_bits_is_refused_not_a_500(auth_api, mine):
    path = f"/api/subscriptions/{mine['subscription'].pk}"
    response = auth_api.patch(path, {"integration_ids": [HUGE]}, format="json")
    assert response.status_code == 400
    assert "integration_ids" in response.json()


@pytest.mark.django_db
def test_the_schema_documents_errors_and_the_temporal_503(api):
    schema = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    event = schema["paths"]["/api/events/{id}"]
    assert set(event["get"]["responses"]) == {"200", "401", "404"}
    assert set(event["patch"]["responses"]) == {"200", "400", "401", "403", "404", "409"}
    create = schema["paths"]["/api/events"]["post"]["responses"]
    assert "scheduler" in create["503"]["description"]
    login = schema["paths"]["/api/auth/login"]["post"]["responses"]
    assert {"401", "429"} <= set(login)
    assert "503" in schema["paths"]["/api/health"]["get"]["responses"]
