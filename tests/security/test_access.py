"""Who may do what to whose object: every route of the project, from the URL resolver.

Each route that takes an object id is called by the object's owner, another signed-in user and
an anonymous visitor, with every method, and must answer what ACCESS says. Another user never
reads or changes someone else's private things (404: SPEC §2, "object access is decided by
filtering querysets by the caller"); where they may see the object but not change it (a public
event), 403. Anonymous callers get 401 from the API and the login redirect from pages. A route
the resolver knows and ACCESS does not fails the test until someone decides who may use it.
"""

import re
from dataclasses import dataclass, field

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from events.models import Event
from tests.factories import (
    DeliveryFactory,
    EventFactory,
    IntegrationFactory,
    InvitationFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.helpers import client_for

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
LOGIN = "login"  # a redirect to the sign-in page, with ?next=
SECRET = b"s3cret-token"  # in every factory-made channel's Apprise URL


def routes(resolver=None, prefix=""):
    """Every URL pattern as a readable route (`api/events/<pk>/announce`)."""
    for entry in (resolver or get_resolver()).url_patterns:
        pattern = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry, pattern)
        else:
            assert isinstance(entry, URLPattern)
            yield readable(pattern)


def readable(pattern: str) -> str:
    pattern = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", pattern)
    pattern = re.sub(r"<\w+:(\w+)>", r"<\1>", pattern)
    return pattern.replace("^", "").replace("$", "")


def params(route: str) -> list[str]:
    return re.findall(r"<(\w+)>", route)


# --- the world every case runs in ------------------------------------------------------------


@pytest.fixture
def world(db, temporal_down):
    """The owner's things: public and private events, a channel, a subscription, a delivery.

    Temporal is down: an owner's request that gets past the access checks and needs it answers
    503, which is all this test needs to know.
    """
    owner, other = UserFactory(), UserFactory()
    followed = EventFactory(is_public=False)  # someone else's private event the owner follows
    subscription = SubscriptionFactory(user=owner, event=followed)
    private = EventFactory(organizer=owner, is_public=False)
    return {
        "owner": owner,
        "other": other,
        "public_event": EventFactory(organizer=owner, is_public=True),
        "private_event": private,
        "invitation": InvitationFactory(event=private),
        "channel": IntegrationFactory(user=owner),
        "subscription": subscription,
        "delivery": DeliveryFactory(subscription=subscription),
    }


# --- the table -------------------------------------------------------------------------------

Expect = tuple[int | str, int | str, int | str]  # owner, another user, anonymous


@dataclass
class Case:
    objects: dict[str, str]  # URL parameter -> world object
    expect: dict[str, Expect]  # method -> statuses; other methods: `unlisted`
    unlisted: Expect
    body: dict = field(default_factory=dict)

    def statuses(self, method: str) -> Expect:
        return self.expect.get(method, self.unlisted)


def api(objects, body=None, **expect) -> Case:
    """An API route that needs a signed-in caller: 401 for anonymous, whatever the method."""
    return Case(objects, expect, unlisted=(405, 405, 401), body=body or {})


def api_open(objects, body=None, **expect) -> Case:
    """An API route anyone may call: methods it does not have are 405 for everyone."""
    return Case(objects, expect, unlisted=(405, 405, 405), body=body or {})


def page(objects, body=None, **expect) -> Case:
    """A page behind login_required: anonymous callers are sent to sign in, whatever the method."""
    return Case(objects, expect, unlisted=(405, 405, LOGIN), body=body or {})


def page_open(objects, body=None, **expect) -> Case:
    return Case(objects, expect, unlisted=(405, 405, 405), body=body or {})


PUBLIC = {"pk": "public_event"}
PRIVATE = {"pk": "private_event"}
PUBLIC_ID = {"event_id": "public_event"}
PRIVATE_ID = {"event_id": "private_event"}
EMAIL = {"email": "visitor@example.com"}

# 503: past every access check, the owner's (or a permitted user's) request reached Temporal.
ACCESS: dict[str, list[Case]] = {
    # --- API ---
    "api/integrations/<pk>": [
        api({"pk": "channel"}, GET=(200, 404, 401), PATCH=(200, 404, 401), DELETE=(204, 404, 401))
    ],
    # The owner's channel points at a loopback address: the network guard refuses the send.
    "api/integrations/<pk>/test": [api({"pk": "channel"}, POST=(502, 404, 401))],
    "api/events/<pk>": [
        api(PUBLIC, GET=(200, 200, 200), PATCH=(200, 403, 401), DELETE=(204, 403, 401)),
        api(PRIVATE, GET=(200, 404, 404), PATCH=(200, 404, 401), DELETE=(204, 404, 401)),
    ],
    "api/events/<pk>/announce": [
        api(PUBLIC, POST=(400, 403, 401)),
        api(PRIVATE, POST=(400, 404, 401)),
    ],
    "api/events/<pk>/status": [
        api(PUBLIC, GET=(200, 403, 401)),
        api(PRIVATE, GET=(200, 404, 401)),
    ],
    "api/events/<event_id>/calendar.ics": [
        api_open(PUBLIC_ID, GET=(200, 200, 200)),
        api_open(PRIVATE_ID, GET=(200, 404, 404)),
    ],
    "api/events/<event_id>/invitations": [
        api(PUBLIC_ID, GET=(200, 403, 401), POST=(400, 403, 401)),
        api(PRIVATE_ID, GET=(200, 404, 401), POST=(400, 404, 401)),
    ],
    "api/events/<event_id>/invitations/<pk>": [
        api({**PRIVATE_ID, "pk": "invitation"}, DELETE=(204, 404, 401)),
    ],
    # Anyone may subscribe to a public event (anonymous: by email, double opt-in).
    "api/events/<event_id>/subscribe": [
        api_open(PUBLIC_ID, body=EMAIL, POST=(503, 503, 202)),
        api_open(PRIVATE_ID, body=EMAIL, POST=(503, 404, 404)),
    ],
    "api/subscriptions/<pk>": [
        api(
            {"pk": "subscription"},
            GET=(200, 404, 401),
            PATCH=(200, 404, 401),
            DELETE=(204, 404, 401),
        )
    ],
    "api/deliveries/<pk>": [api({"pk": "delivery"}, GET=(200, 404, 401))],
    # --- pages ---
    "events/<pk>": [
        page_open(PUBLIC, body=EMAIL, GET=(200, 200, 200), POST=(400, 400, 302)),
        page_open(PRIVATE, body=EMAIL, GET=(200, 404, 404), POST=(400, 404, 404)),
    ],
    "events/<pk>/edit": [
        page(PUBLIC, GET=(200, 403, LOGIN), POST=(400, 403, LOGIN)),
        page(PRIVATE, GET=(200, 404, LOGIN), POST=(400, 404, LOGIN)),
    ],
    "events/<pk>/cancel": [
        page(PUBLIC, GET=(200, 403, LOGIN), POST=(302, 403, LOGIN)),
        page(PRIVATE, GET=(200, 404, LOGIN), POST=(302, 404, LOGIN)),
    ],
    "events/<pk>/announce": [
        page(PUBLIC, GET=(200, 403, LOGIN), POST=(400, 403, LOGIN)),
        page(PRIVATE, GET=(200, 404, LOGIN), POST=(400, 404, LOGIN)),
    ],
    "events/<pk>/invitations": [
        page(PUBLIC, GET=(200, 403, LOGIN), POST=(400, 403, LOGIN)),
        page(PRIVATE, GET=(200, 404, LOGIN), POST=(400, 404, LOGIN)),
    ],
    "events/<pk>/invitations/<invitation_id>/revoke": [
        page({**PRIVATE, "invitation_id": "invitation"}, POST=(302, 404, LOGIN)),
    ],
    "channels/<pk>/": [page({"pk": "channel"}, GET=(302, 404, LOGIN))],
    "channels/<pk>/test": [page({"pk": "channel"}, POST=(302, 404, LOGIN))],
    "channels/<pk>/toggle": [page({"pk": "channel"}, POST=(302, 404, LOGIN))],
    "channels/<pk>/edit": [page({"pk": "channel"}, GET=(200, 404, LOGIN), POST=(400, 404, LOGIN))],
    "channels/<pk>/delete": [
        page({"pk": "channel"}, GET=(200, 404, LOGIN), POST=(302, 404, LOGIN))
    ],
    "subscriptions/<pk>/edit": [
        page({"pk": "subscription"}, GET=(200, 404, LOGIN), POST=(302, 404, LOGIN))
    ],
    "subscriptions/<pk>/unsubscribe": [
        page({"pk": "subscription"}, GET=(200, 404, LOGIN), POST=(302, 404, LOGIN))
    ],
}

# Routes without an object in the path: who may call them at all (anonymous GET and POST).
# A token in the query or body (verify, reset, confirm, unsubscribe, accept) is the credential:
# a wrong one is refused (400) whoever sends it.
NO_OBJECT: dict[str, tuple[int | str, int | str]] = {
    # route: (anonymous GET, anonymous POST), both with a bogus token
    "api/auth/register": (405, 400),
    "api/auth/login": (405, 400),
    "api/auth/refresh": (405, 400),
    "api/auth/logout": (401, 401),
    "api/auth/verify": (400, 400),
    "api/auth/resend-verification": (405, 400),
    "api/auth/password-reset": (405, 400),
    "api/auth/password-reset/confirm": (405, 400),
    "api/users/me": (401, 401),
    "api/integrations": (401, 401),
    "api/integrations/kinds": (200, 405),
    "api/events": (200, 401),
    "api/subscriptions/confirm": (405, 400),
    "api/unsubscribe": (405, 400),
    "api/subscriptions": (401, 401),
    "api/deliveries": (401, 401),
    "api/health": (503, 405),  # Temporal is down in this test
    "api/schema/": (200, 405),
    "api/docs/": (200, 405),
    "": (200, 200),
    "events": (200, 200),
    "events/new": (LOGIN, LOGIN),
    "invitations/accept": (400, 400),
    "invitations/sent": (200, 200),
    "accounts/signup": (200, 400),
    "accounts/signup/done": (200, 200),
    "accounts/login": (200, 200),
    "accounts/logout": (405, 302),
    # GET only shows a button (mail scanners prefetch links); the POST verifies.
    "accounts/verify": (200, 400),
    "accounts/password-reset": (200, 400),
    "accounts/reset": (400, 400),
    "accounts/profile": (LOGIN, LOGIN),
    "channels/": (LOGIN, LOGIN),
    "channels/new": (LOGIN, LOGIN),
    "subscriptions/confirm": (400, 400),
    "unsubscribe": (400, 400),
    "dashboard": (LOGIN, LOGIN),
    "notifications/": (LOGIN, LOGIN),
}

ALL_ROUTES = sorted(set(routes()))
SITE_ROUTES = [r for r in ALL_ROUTES if not r.startswith("admin/")]
ADMIN_ROUTES = [r for r in ALL_ROUTES if r.startswith("admin/")]


# --- calling a route -------------------------------------------------------------------------


def url_for(route: str, values: dict) -> str:
    return "/" + re.sub(r"<(\w+)>", lambda m: str(values[m.group(1)]), route)


def call(client, method: str, url: str, *, api_route: bool, body: dict):
    send = getattr(client, method.lower())
    if method == "GET":
        return send(url)
    if api_route:
        return send(url, body, format="json")
    if method == "POST":
        return send(url, body)
    return send(url)


def check(response, expected, label: str) -> str | None:
    if SECRET in response.content:
        return f"{label}: the response shows an Apprise URL's secret"
    if expected == LOGIN:
        location = response.headers.get("Location", "")
        if response.status_code == 302 and location.startswith("/accounts/login"):
            return None
    elif response.status_code == expected:
        return None
    return f"{label}: expected {expected}, got {response.status_code}"


def clients(world, api_route: bool):
    if api_route:
        return {"owner": client_for(world["owner"]), "other": client_for(world["other"])}
    signed_in = {}
    for role in ("owner", "other"):
        signed_in[role] = APIClient()
        signed_in[role].force_login(world[role])
    return signed_in


# --- the tests -------------------------------------------------------------------------------


def test_every_route_has_an_access_entry():
    missing = [
        f"add an access entry for {route}"
        for route in SITE_ROUTES
        if route not in (ACCESS if params(route) else NO_OBJECT)
    ]
    stale = [route for route in [*ACCESS, *NO_OBJECT] if route not in SITE_ROUTES]
    assert not missing, "\n".join(missing)
    assert not stale, f"entries for routes that no longer exist: {stale}"


@pytest.mark.parametrize("route", [r for r in SITE_ROUTES if params(r)])
def test_object_access(route, world):
    assert route in ACCESS, f"add an access entry for {route}"
    api_route = route.startswith("api/")
    problems = []
    for case in ACCESS[route]:
        values = {name: world[obj].pk for name, obj in case.objects.items()}
        url = url_for(route, values)
        signed_in = clients(world, api_route)
        by_role = {
            "other": signed_in["other"],
            "anonymous": APIClient(),
            "owner": signed_in["owner"],
        }
        index = {"owner": 0, "other": 1, "anonymous": 2}
        # Destructive methods come last, and the owner goes last for each method.
        for method in METHODS:
            for role, client in by_role.items():
                response = call(client, method, url, api_route=api_route, body=case.body)
                expected = case.statuses(method)[index[role]]
                problem = check(response, expected, f"{method} {url} as {role}")
                if problem:
                    problems.append(problem)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("route", [r for r in SITE_ROUTES if not params(r)])
def test_who_may_call_routes_without_an_object(route, world):
    assert route in NO_OBJECT, f"add an access entry for {route}"
    get_status, post_status = NO_OBJECT[route]
    url = url_for(route, {})
    body = {"token": "not-a-real-token"}
    problems = [
        check(APIClient().get(url, body), get_status, f"GET {url}?token=… as anonymous"),
        check(
            call(APIClient(), "POST", url, api_route=route.startswith("api/"), body=body),
            post_status,
            f"POST {url} as anonymous",
        ),
    ]
    problems = [p for p in problems if p]
    assert not problems, "\n".join(problems)


ADMIN_OBJECTS = {
    "admin/accounts/user/": "owner",
    "admin/events/event/": "public_event",
    "admin/events/invitation/": "invitation",
    "admin/integrations/integration/": "channel",
    "admin/subscriptions/subscription/": "subscription",
    "admin/notifications/delivery/": "delivery",
}


def admin_url(route: str, world) -> str:
    model = next((m for m in ADMIN_OBJECTS if route.startswith(m)), None)
    values = {
        "object_id": world[ADMIN_OBJECTS.get(model, "public_event")].pk,
        "id": world["owner"].pk,
        "content_type_id": ContentType.objects.get_for_model(Event).pk,
        "app_label": "events",
        "url": "no-such-page/",
    }
    return url_for(route, values)


@pytest.mark.parametrize("route", ADMIN_ROUTES)
def test_admin_is_staff_only(route, world, client):
    url = admin_url(route, world)
    if route in ("admin/login/", "admin/logout/"):
        pytest.skip("the admin's own sign-in and sign-out")
    for role in ("anonymous", "owner"):
        if role == "owner":
            client.force_login(world["owner"])  # signed in, not staff
        response = client.get(url)
        assert response.status_code == 302, f"GET {url} as {role}: {response.status_code}"
        assert response.headers["Location"].startswith("/admin/login/"), (role, url)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get(url)
    assert response.status_code < 500
    assert not response.headers.get("Location", "").startswith("/admin/login/")
    assert SECRET not in response.content, "the admin shows an Apprise URL's secret"
