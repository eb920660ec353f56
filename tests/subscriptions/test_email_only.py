"""Subscribing by email without an account (SPEC §2, §5): double opt-in, confirmation, purge,
and claiming the account later."""

import re
import time
import uuid
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from django.core import mail, signing
from django.utils import timezone
from rest_framework.test import APIClient
from temporalio.client import ScheduleActionStartWorkflow
from temporalio.service import RPCError, RPCStatusCode

from notifications.models import Delivery
from soonish.accounts.models import User
from soonish.tokens import new_token
from subscriptions.models import Subscription
from subscriptions.services import subscriptions_purge_unconfirmed
from subscriptions.tokens import make_confirmation_token
from tests.factories import (
    PASSWORD,
    EmailOnlyUserFactory,
    EventFactory,
    IntegrationFactory,
    InvitationFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.helpers import client_for, wait_for
from workflows.client import call
from workflows.db import orm
from workflows.schedules import (
    HOUSEKEEPING_SCHEDULE_ID,
    PURGE_UNCONFIRMED_SCHEDULE_ID,
    ensure_schedules,
)
from workflows.types import PurgeResult
from workflows.worker import build_worker
from workflows.workflows import PurgeUnconfirmedWorkflow, welcomes_workflow_id

CHECK_INBOX = {"detail": "Check your inbox to confirm."}
_CONFIRM_LINK = re.compile(r"http://testserver/subscriptions/confirm\?(\S+)")


def subscribe(client, event, **body):
    return client.post(f"/api/events/{event.pk}/subscribe", body, format="json")


def confirm_token(message) -> str:
    [query] = _CONFIRM_LINK.findall(message.body)
    return parse_qs(query)["token"][0]


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def started_on(task_queue: str, workflow_id: str) -> bool:
    """Whether a workflow with this id ran on this task queue (ids recur across tests)."""

    async def describe(client):
        try:
            found = await client.get_workflow_handle(workflow_id).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return False
            raise
        return found.task_queue == task_queue

    return call(describe)


@pytest.fixture
def subscribed(api, django_capture_on_commit_callbacks):
    """Subscribe anonymously with the mails of the commit sent; returns the response."""

    def run(event, **body):
        with django_capture_on_commit_callbacks(execute=True):
            return subscribe(api, event, **body)

    return run


# --- subscribing: only the confirmation ------------------------------------------------------


@pytest.mark.temporal
def test_anonymous_subscribe_sends_only_the_confirmation(temporal_worker, mailoutbox, api):
    event = EventFactory(name="Harbour run")

    response = subscribe(
        api, event, email="Ann@Example.org", name="Ann", reminder_offsets=[7200, 600]
    )

    assert response.status_code == 202, response.content
    assert response.json() == CHECK_INBOX
    subscription = Subscription.objects.get(event=event)
    assert subscription.confirmed_at is None
    assert subscription.reminder_offsets == [7200, 600]
    user = subscription.user
    assert (user.email, user.name, user.is_email_only) == ("ann@example.org", "Ann", True)
    [message] = mailoutbox
    assert message.to == ["ann@example.org"]
    assert "Harbour run" in message.subject
    assert confirm_token(message)
    # A welcome started by mistake would run on this worker and mail the subscriber.
    queue = temporal_worker.task_queue
    assert not started_on(queue, welcomes_workflow_id(event.pk, queue))
    time.sleep(1)
    assert len(mailoutbox) == 1
    assert not Delivery.objects.exists()


@pytest.mark.temporal
def test_confirming_through_the_api_sends_the_welcome_by_email_once(
    temporal_worker, mailoutbox, api
):
    event = EventFactory(name="Quiz night")
    subscribe(api, event, email="bo@example.org")
    token = confirm_token(mailoutbox[0])

    response = api.post("/api/subscriptions/confirm", {"token": token}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["event"]["id"] == event.pk
    assert Subscription.objects.get(event=event).confirmed_at is not None
    wait_for(lambda: len(mailoutbox) >= 2, message="the welcome email")
    welcome = mailoutbox[1]
    assert welcome.to == ["bo@example.org"]
    assert welcome.subject.startswith("Subscribed") and "Quiz night" in welcome.subject
    assert "Unsubscribe: http://testserver/unsubscribe?token=" in welcome.body
    sent = Delivery.objects.filter(kind="welcome", status="sent")
    wait_for(sent.exists, message="the ledger to record the welcome")
    assert sent.get().destination == "service email"

    again = api.post("/api/subscriptions/confirm", {"token": token}, format="json")

    assert again.status_code == 200  # confirming twice is harmless ...
    time.sleep(1)
    assert len(mailoutbox) == 2  # ... and welcomes no one twice
    assert Delivery.objects.filter(kind="welcome").count() == 1


@pytest.mark.temporal
def test_confirming_through_the_page_sends_the_welcome(temporal_worker, mailoutbox, api, client):
    event = EventFactory(name="Open studio")
    subscribe(api, event, email="cy@example.org")
    token = confirm_token(mailoutbox[0])

    page = client.get("/subscriptions/confirm", {"token": token})

    # Mail scanners open links: showing the page confirms nothing.
    assert page.status_code == 200
    assert "Open studio" in page.content.decode()
    assert '<form method="post">' in page.content.decode()
    assert Subscription.objects.get(event=event).confirmed_at is None

    done = client.post("/subscriptions/confirm", {"token": token})

    assert done.status_code == 200
    assert "you are subscribed" in done.content.decode()
    assert Subscription.objects.get(event=event).confirmed_at is not None
    wait_for(lambda: len(mailoutbox) >= 2, message="the welcome email")
    assert mailoutbox[1].subject.startswith("Subscribed")


# --- no enumeration --------------------------------------------------------------------------


def test_the_answer_is_the_same_for_new_subscribed_and_registered_addresses(
    db, subscribed, mailoutbox
):
    event = EventFactory()
    registered = UserFactory(email="reg@example.org")
    confirmed = SubscriptionFactory(event=event, user=EmailOnlyUserFactory())

    answers = [
        subscribed(event, email="new@example.org"),
        subscribed(event, email="new@example.org"),  # unconfirmed already
        subscribed(event, email=confirmed.user.email),  # confirmed already
        subscribed(event, email="REG@example.org"),  # has an account
    ]

    assert {a.status_code for a in answers} == {202}
    assert all(a.json() == CHECK_INBOX for a in answers)
    assert Subscription.objects.filter(event=event).count() == 3
    assert len(mails_to("new@example.org")) == 1  # asked twice within a minute: one mail
    assert not mails_to(confirmed.user.email)  # nothing new to confirm
    assert len(mails_to("reg@example.org")) == 1
    assert Subscription.objects.get(event=event, user=registered).confirmed_at is None


def test_an_existing_account_is_only_linked_to_the_unconfirmed_subscription(
    db, subscribed, mailoutbox
):
    registered = UserFactory(email="reg@example.org", name="Reg", time_zone="Europe/Oslo")
    before = User.objects.filter(pk=registered.pk).values().get()

    subscribed(EventFactory(), email="reg@example.org", name="Someone Else")

    assert User.objects.filter(pk=registered.pk).values().get() == before
    assert User.objects.count() == 2  # the account and the event's organizer
    [message] = mailoutbox
    assert message.to == ["reg@example.org"]
    assert Subscription.objects.get(user=registered).confirmed_at is None


def test_asking_again_resends_the_link_but_not_more_than_once_a_minute(db, subscribed, mailoutbox):
    event = EventFactory()
    subscribed(event, email="dee@example.org")
    subscribed(event, email="dee@example.org")
    assert len(mailoutbox) == 1  # the form cannot flood an inbox
    Subscription.objects.update(updated_at=timezone.now() - timedelta(minutes=2))

    subscribed(event, email="dee@example.org")

    assert len(mailoutbox) == 2
    assert confirm_token(mailoutbox[1])
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize("email", [None, "", "not-an-address", "a@b@example.org"])
def test_a_bad_email_is_a_400_naming_email(db, api, email):
    body = {} if email is None else {"email": email}
    response = subscribe(api, EventFactory(), **body)
    assert response.status_code == 400
    assert "email" in response.json()
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("offsets", [[0], [60, 60], list(range(1, 12)), "3600", [1.5]])
def test_bad_reminder_offsets_are_a_400_and_store_nothing(db, api, offsets, mailoutbox):
    users = User.objects.count()
    response = subscribe(api, EventFactory(), email="eve@example.org", reminder_offsets=offsets)
    assert response.status_code == 400
    assert "reminder_offsets" in response.json()
    assert not Subscription.objects.exists()
    assert User.objects.count() == users + 1  # the organizer only
    assert not mailoutbox


def test_a_private_event_needs_an_invitation_token(db, subscribed, mailoutbox):
    raw, token_hash = new_token()
    invitation = InvitationFactory(token_hash=token_hash)
    event = invitation.event

    assert subscribed(event, email="guest@example.org").status_code == 404
    response = subscribed(event, email="guest@example.org", invitation_token=raw)

    assert response.status_code == 202
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by.email == "guest@example.org"
    assert Subscription.objects.get(event=event).confirmed_at is None
    assert len(mailoutbox) == 1


def test_a_cancelled_event_takes_no_email_subscribers(db, api):
    response = subscribe(api, EventFactory(status="cancelled"), email="fay@example.org")
    assert response.status_code == 409
    assert not Subscription.objects.exists()


@pytest.mark.temporal
def test_a_signed_in_subscribe_is_unchanged(temporal_address, user):
    response = subscribe(client_for(user), EventFactory(), email="other@example.org")
    assert response.status_code == 201
    assert response.json()["is_confirmed"] is True
    assert Subscription.objects.get().user == user


# --- confirmation tokens ---------------------------------------------------------------------


def _expired_confirmation_token(subscription, monkeypatch) -> str:
    eight_days_ago = signing.b62_encode(int(time.time() - 8 * 86400))
    with monkeypatch.context() as patched:
        patched.setattr(signing.TimestampSigner, "timestamp", lambda self: eight_days_ago)
        return make_confirmation_token(subscription)


@pytest.mark.parametrize("kind", ["garbage", "tampered", "expired", "purged", "missing"])
def test_a_bad_confirmation_token_is_a_400_naming_token(db, api, monkeypatch, kind):
    subscription = SubscriptionFactory(confirmed_at=None)
    token = {
        "garbage": lambda: "not-a-token",
        "tampered": lambda: make_confirmation_token(subscription)[:-2] + "xx",
        "expired": lambda: _expired_confirmation_token(subscription, monkeypatch),
        "purged": lambda: make_confirmation_token(SubscriptionFactory(confirmed_at=None)),
        "missing": lambda: None,
    }[kind]()
    if kind == "purged":
        Subscription.objects.exclude(pk=subscription.pk).delete()

    response = api.post(
        "/api/subscriptions/confirm", {} if token is None else {"token": token}, format="json"
    )

    assert response.status_code == 400
    assert "token" in response.json()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


def test_the_confirm_page_with_a_bad_token_says_so(db, client):
    response = client.post("/subscriptions/confirm", {"token": "nope"})
    assert response.status_code == 400
    assert "not valid" in response.content.decode()
    assert client.get("/subscriptions/confirm", {"token": "nope"}).status_code == 400
    assert "incomplete" in client.get("/subscriptions/confirm").content.decode()


def test_the_confirm_page_when_temporal_is_down_confirms_nothing(db, temporal_down, client):
    subscription = SubscriptionFactory(confirmed_at=None)
    token = make_confirmation_token(subscription)

    response = client.post("/subscriptions/confirm", {"token": token})

    assert response.status_code == 503
    assert "try again" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.confirmed_at is None


# --- purge -----------------------------------------------------------------------------------


def _age(subscription, days: float) -> None:
    Subscription.objects.filter(pk=subscription.pk).update(
        updated_at=timezone.now() - timedelta(days=days)
    )


@pytest.fixture
def unconfirmed(db):
    """Subscriptions around the 7-day limit, and the accounts that do or do not stay."""
    stale = SubscriptionFactory(confirmed_at=None, user=EmailOnlyUserFactory())
    has_more = SubscriptionFactory(confirmed_at=None, user=EmailOnlyUserFactory())
    SubscriptionFactory(user=has_more.user)  # confirmed elsewhere: the account stays
    has_channel = SubscriptionFactory(confirmed_at=None, user=EmailOnlyUserFactory())
    IntegrationFactory(user=has_channel.user)
    registered = SubscriptionFactory(confirmed_at=None, user=UserFactory())
    claiming = SubscriptionFactory(
        confirmed_at=None, user=EmailOnlyUserFactory(pending_password="md5$x$y")
    )
    for subscription in (stale, has_more, has_channel, registered, claiming):
        _age(subscription, 7.1)
    fresh = SubscriptionFactory(confirmed_at=None, user=EmailOnlyUserFactory())
    _age(fresh, 6.9)
    old_but_confirmed = SubscriptionFactory(user=EmailOnlyUserFactory())
    Subscription.objects.filter(pk=old_but_confirmed.pk).update(
        created_at=timezone.now() - timedelta(days=30),
        updated_at=timezone.now() - timedelta(days=30),
    )
    return {
        "purged": {stale.pk, has_more.pk, has_channel.pk, registered.pk, claiming.pk},
        "kept": {fresh.pk, old_but_confirmed.pk},
        "users_gone": {stale.user_id},
    }


def test_purge_deletes_week_old_unconfirmed_subscriptions_and_accounts_left_empty(unconfirmed):
    users = set(User.objects.values_list("pk", flat=True))

    assert subscriptions_purge_unconfirmed() == (5, 1)

    remaining = set(Subscription.objects.values_list("pk", flat=True))
    assert remaining.isdisjoint(unconfirmed["purged"])
    assert unconfirmed["kept"] <= remaining
    assert users - set(User.objects.values_list("pk", flat=True)) == unconfirmed["users_gone"]
    assert subscriptions_purge_unconfirmed() == (0, 0)


@pytest.mark.asyncio
@pytest.mark.temporal
@pytest.mark.django_db(transaction=True)
async def test_the_purge_workflow_runs_the_purge_and_reports_counts(time_skipping_env, unconfirmed):
    task_queue = f"purge-{uuid.uuid4()}"
    async with build_worker(time_skipping_env.client, task_queue=task_queue):
        result = await time_skipping_env.client.execute_workflow(
            PurgeUnconfirmedWorkflow.run,
            id=f"purge-{uuid.uuid4()}",
            task_queue=task_queue,
            execution_timeout=timedelta(minutes=1),
        )

    assert result == PurgeResult(subscriptions=5, users=1)
    remaining = await orm(lambda: set(Subscription.objects.values_list("pk", flat=True)))()
    assert remaining.isdisjoint(unconfirmed["purged"])
    assert unconfirmed["kept"] <= remaining


@pytest.mark.temporal
def test_ensure_schedules_creates_a_daily_purge(temporal_address, settings):
    settings.TEMPORAL_TASK_QUEUE = f"schedules-{uuid.uuid4().hex[:8]}"

    async def delete_schedules(client):
        for schedule_id in (PURGE_UNCONFIRMED_SCHEDULE_ID, HOUSEKEEPING_SCHEDULE_ID):
            try:
                await client.get_schedule_handle(schedule_id).delete()
            except RPCError as exc:
                if exc.status != RPCStatusCode.NOT_FOUND:
                    raise

    async def describe(client):
        return await client.get_schedule_handle(PURGE_UNCONFIRMED_SCHEDULE_ID).describe()

    call(delete_schedules)
    try:
        call(ensure_schedules, timeout=30)
        call(ensure_schedules, timeout=30)  # again: updates, does not fail
        described = call(describe)
    finally:
        call(delete_schedules)

    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.workflow == "PurgeUnconfirmedWorkflow"
    assert action.task_queue == settings.TEMPORAL_TASK_QUEUE
    assert [i.every for i in described.schedule.spec.intervals] == [timedelta(days=1)]


# --- claiming the account later --------------------------------------------------------------


def test_registering_later_claims_the_account_and_keeps_its_subscriptions(
    db, subscribed, django_capture_on_commit_callbacks
):
    event, other = EventFactory(name="Kept"), EventFactory()
    subscribed(event, email="gil@example.org")
    subscriber = User.objects.get(email="gil@example.org")
    Subscription.objects.filter(user=subscriber).update(confirmed_at=timezone.now())
    subscribed(other, email="gil@example.org")  # still unconfirmed when they register
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        registered = APIClient().post(
            "/api/auth/register",
            {"email": "gil@example.org", "password": PASSWORD, "name": "Gil"},
            format="json",
        )
    assert registered.status_code == 201
    assert registered.json()["id"] == subscriber.pk
    [verification] = mail.outbox
    token = parse_qs(re.search(r"/accounts/verify\?(\S+)", verification.body)[1])["token"][0]
    assert APIClient().post("/api/auth/verify", {"token": token}, format="json").status_code == 200

    login = APIClient().post(
        "/api/auth/login", {"email": "gil@example.org", "password": PASSWORD}, format="json"
    )
    assert login.status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['access']}")
    mine = client.get("/api/subscriptions").json()["results"]
    assert {(s["event"]["id"], s["is_confirmed"]) for s in mine} == {
        (event.pk, True),
        (other.pk, False),
    }
    # The account now has a password: a purge of the stale subscription leaves it be.
    _age(Subscription.objects.get(event=other), 8)
    assert subscriptions_purge_unconfirmed() == (1, 0)
    assert User.objects.filter(pk=subscriber.pk).exists()
