"""Every list costs as many queries for 25 rows as for 5: no query per row (issue 6)."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import (
    DeliveryFactory,
    EventFactory,
    IntegrationFactory,
    InvitationFactory,
    ReminderOffsetFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@dataclass
class Listing:
    url: Callable[[dict], str]
    add: Callable[[dict, int], None]  # adds n rows to what `url` lists for ctx["me"]
    signed_in: str = "jwt"  # "jwt", "session", "staff" (a superuser's session) or "" (anonymous)


def public_events(ctx, n):
    for _ in range(n):
        event = EventFactory(tags=["music", "tech"])  # a new organizer each
        SubscriptionFactory(event=event)


def visible_events(ctx, n):
    """Public events, and private ones I organize, follow and am invited to."""
    me = ctx["me"]
    for i in range(n):
        kind = i % 4
        event = EventFactory(is_public=kind == 0, organizer=me if kind == 1 else UserFactory())
        if kind == 2:
            SubscriptionFactory(event=event, user=me)
        if kind == 3:
            InvitationFactory(event=event, email=me.email)


def my_subscriptions(ctx, n):
    me = ctx["me"]
    for _ in range(n):
        subscription = SubscriptionFactory(user=me)
        subscription.integrations.add(IntegrationFactory(user=me))
        ReminderOffsetFactory(subscription=subscription, offset_seconds=86400)
        ReminderOffsetFactory(subscription=subscription, offset_seconds=3600)


def my_integrations(ctx, n):
    IntegrationFactory.create_batch(n, user=ctx["me"])


def my_deliveries(ctx, n):
    me = ctx["me"]
    for _ in range(n):
        subscription = SubscriptionFactory(user=me)
        DeliveryFactory(subscription=subscription, recipient=me)


def my_invitations(ctx, n):
    ctx.setdefault("event", EventFactory(organizer=ctx["me"], is_public=False))
    InvitationFactory.create_batch(n, event=ctx["event"], invited_by=ctx["me"])


def dashboard_rows(ctx, n):
    """Events I organize (with subscribers and deliveries) and subscriptions of mine."""
    me = ctx["me"]
    for _ in range(n):
        mine = EventFactory(organizer=me)
        DeliveryFactory(
            subscription=SubscriptionFactory(event=mine), status="sent", sent_at=mine.start
        )
    my_subscriptions(ctx, n)


LISTINGS = {
    "api events, anonymous": Listing(lambda ctx: "/api/events", public_events, signed_in=""),
    "api events, signed in": Listing(lambda ctx: "/api/events", visible_events),
    "api events I follow": Listing(lambda ctx: "/api/events?mine=subscribed", my_subscriptions),
    "api subscriptions": Listing(lambda ctx: "/api/subscriptions", my_subscriptions),
    "api integrations": Listing(lambda ctx: "/api/integrations", my_integrations),
    "api deliveries": Listing(lambda ctx: "/api/deliveries", my_deliveries),
    "api invitations": Listing(
        lambda ctx: f"/api/events/{ctx['event'].pk}/invitations", my_invitations
    ),
    "home page": Listing(lambda ctx: "/", public_events, signed_in=""),
    "event list page": Listing(lambda ctx: "/events", public_events, signed_in=""),
    "event list page, signed in": Listing(lambda ctx: "/events", visible_events, "session"),
    "dashboard": Listing(lambda ctx: "/dashboard", dashboard_rows, signed_in="session"),
    "channels page": Listing(lambda ctx: "/channels/", my_integrations, signed_in="session"),
    "notifications page": Listing(
        lambda ctx: "/notifications/", my_deliveries, signed_in="session"
    ),
    "invitations page": Listing(
        lambda ctx: f"/events/{ctx['event'].pk}/invitations", my_invitations, "session"
    ),
    "admin events": Listing(lambda ctx: "/admin/events/event/", dashboard_rows, "staff"),
    "admin subscriptions": Listing(
        lambda ctx: "/admin/subscriptions/subscription/", my_subscriptions, "staff"
    ),
    "admin integrations": Listing(
        lambda ctx: "/admin/integrations/integration/", my_integrations, "staff"
    ),
    "admin deliveries": Listing(
        lambda ctx: "/admin/notifications/delivery/", my_deliveries, "staff"
    ),
    "admin invitations": Listing(lambda ctx: "/admin/events/invitation/", my_invitations, "staff"),
}


def queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return [q["sql"] for q in captured.captured_queries]


@pytest.mark.parametrize("name", LISTINGS)
def test_a_list_costs_the_same_queries_for_5_rows_as_for_25(name, client, temporal_down):
    listing = LISTINGS[name]
    me = UserFactory(
        is_staff=listing.signed_in == "staff", is_superuser=listing.signed_in == "staff"
    )
    ctx = {"me": me}
    if listing.signed_in == "jwt":
        client = client_for(me)
    elif listing.signed_in in ("session", "staff"):
        client.force_login(me)
    listing.add(ctx, 5)
    few = queries(client, listing.url(ctx))
    listing.add(ctx, 20)
    many = queries(client, listing.url(ctx))
    assert len(many) == len(few), "\n".join(many)


def test_subscribing_costs_the_same_few_queries_for_the_1st_and_the_50th_subscriber(
    temporal_address,
):
    """POST /api/events/{id}/subscribe (JWT, two reminder offsets): the user, the event, the
    subscription, its offsets, whether the offsets are planned already; the savepoint pair is
    the test's own transaction (a BEGIN/COMMIT outside tests). No count of the event's
    subscribers and no re-read of what was just written."""
    event = EventFactory()
    body = {"reminder_offsets": [86400, 3600]}
    url = f"/api/events/{event.pk}/subscribe"

    def subscribe() -> list[str]:
        client = client_for(UserFactory())
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, body, format="json")
        assert response.status_code == 201, response.content
        return [q["sql"] for q in captured.captured_queries]

    first = subscribe()
    for _ in range(48):
        subscription = SubscriptionFactory(event=event)
        for offset in body["reminder_offsets"]:
            ReminderOffsetFactory(subscription=subscription, offset_seconds=offset)
    fiftieth = subscribe()
    assert len(first) == len(fiftieth) == 7, "\n".join(fiftieth)
