"""Invitations: the organizer invites an address; the token opens a private event, once."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Invitation
from soonish.tokens import hash_token
from subscriptions.models import Subscription
from tests.factories import (
    EventFactory,
    InvitationFactory,
    SubscriptionFactory,
    UserFactory,
)
from tests.helpers import client_for, set_throttle_rates

pytestmark = pytest.mark.django_db


@pytest.fixture
def capture(django_capture_on_commit_callbacks):
    """Run on-commit callbacks (the invitation mail) as the request's transaction commits."""

    def run(call):
        with django_capture_on_commit_callbacks(execute=True):
            return call()

    return run


def invite(client, event, email):
    return client.post(f"/api/events/{event.pk}/invitations", {"email": email}, format="json")


def subscribe(client, event, **body):
    return client.post(f"/api/events/{event.pk}/subscribe", body, format="json")


def token_in(message) -> str:
    return re.search(r"/invitations/accept\?token=([\w-]+)", message.body).group(1)


def visible_names(client) -> list[str]:
    return [e["name"] for e in client.get("/api/events").json()["results"]]


def test_invite_mails_a_link_and_the_invitee_sees_and_subscribes(
    temporal_address, capture, mailoutbox
):
    event = EventFactory(is_public=False, name="Board & dinner")
    organizer = client_for(event.organizer)
    guest = UserFactory(email="guest@example.com")
    assert client_for(guest).get(f"/api/events/{event.pk}").status_code == 404

    response = capture(lambda: invite(organizer, event, "Guest@Example.COM"))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "guest@example.com" and body["status"] == "pending"
    assert body["accepted_at"] is None
    assert set(body) == {"id", "email", "created_at", "expires_at", "accepted_at", "status"}
    [mail] = mailoutbox
    assert mail.to == ["guest@example.com"]
    assert "Board & dinner" in mail.subject and "Board & dinner" in mail.body
    token = token_in(mail)
    assert f"http://testserver/invitations/accept?token={token}" in mail.body
    assert f"http://testserver/events/{event.pk}" in mail.body
    assert f"http://testserver/api/events/{event.pk}/subscribe" in mail.body
    assert token in mail.alternatives[0][0]  # the HTML part carries the link too
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hash_token(token)  # only the hash is stored
    assert token not in invitation.token_hash
    expires = invitation.expires_at - timezone.now()
    assert timedelta(days=6, hours=23) < expires <= timedelta(days=7)

    invitee = client_for(guest)
    assert event.name in visible_names(invitee)
    assert invitee.get(f"/api/events/{event.pk}").status_code == 200

    response = subscribe(invitee, event, invitation_token=token)
    assert response.status_code == 201, response.content
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None and invitation.accepted_by == guest
    [listed] = organizer.get(f"/api/events/{event.pk}/invitations").json()["results"]
    assert listed["status"] == "accepted" and listed["accepted_at"]


def test_a_token_opens_the_event_to_whoever_holds_it_once(temporal_address, capture, mailoutbox):
    event = EventFactory(is_public=False)
    capture(lambda: invite(client_for(event.organizer), event, "list@example.com"))
    token = token_in(mailoutbox[0])
    holder, stranger = UserFactory(), UserFactory()  # neither has the invited address

    response = subscribe(client_for(holder), event, invitation_token=token)
    assert response.status_code == 201, response.content
    assert Invitation.objects.get().accepted_by == holder
    # Accepting keeps the event visible to the holder, even after they unsubscribe...
    Subscription.objects.filter(user=holder).delete()
    assert client_for(holder).get(f"/api/events/{event.pk}").status_code == 200
    # ...but the token is spent.
    response = subscribe(client_for(holder), event, invitation_token=token)
    assert response.status_code == 400
    assert "invitation_token" in response.json()
    # To anyone else a spent token opens nothing.
    assert subscribe(client_for(stranger), event, invitation_token=token).status_code == 404
    assert Subscription.objects.count() == 0


def test_an_expired_invitation_opens_nothing(temporal_address):
    private = EventFactory(is_public=False)
    invitation = InvitationFactory(
        event=private, email="late@example.com", expires_at=timezone.now() - timedelta(minutes=1)
    )
    late = client_for(UserFactory(email="late@example.com"))
    assert private.name not in visible_names(late)
    assert late.get(f"/api/events/{private.pk}").status_code == 404

    token = "expired-token"
    invitation.token_hash = hash_token(token)
    invitation.save()
    assert subscribe(late, private, invitation_token=token).status_code == 404

    # On an event the caller can see anyway, the same token is a 400 naming it.
    public = EventFactory()
    InvitationFactory(
        event=public,
        email="late@example.com",
        token_hash=hash_token("expired-public"),
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    response = subscribe(late, public, invitation_token="expired-public")
    assert response.status_code == 400
    assert "expired" in response.json()["invitation_token"][0]
    assert Subscription.objects.count() == 0


def test_revoking_kills_the_token_and_the_visibility(temporal_address, capture, mailoutbox):
    event = EventFactory(is_public=False)
    organizer = client_for(event.organizer)
    invitation_id = capture(lambda: invite(organizer, event, "gone@example.com")).json()["id"]
    token = token_in(mailoutbox[0])
    guest = client_for(UserFactory(email="gone@example.com"))
    assert guest.get(f"/api/events/{event.pk}").status_code == 200

    response = organizer.delete(f"/api/events/{event.pk}/invitations/{invitation_id}")
    assert response.status_code == 204
    assert not Invitation.objects.exists()
    assert guest.get(f"/api/events/{event.pk}").status_code == 404
    assert subscribe(guest, event, invitation_token=token).status_code == 404
    response = organizer.delete(f"/api/events/{event.pk}/invitations/{invitation_id}")
    assert response.status_code == 404


def test_a_revoked_token_on_a_visible_event_is_a_400(temporal_address, capture, mailoutbox):
    event = EventFactory()  # public: the caller sees it without the invitation
    organizer = client_for(event.organizer)
    invitation_id = capture(lambda: invite(organizer, event, "pub@example.com")).json()["id"]
    token = token_in(mailoutbox[0])
    organizer.delete(f"/api/events/{event.pk}/invitations/{invitation_id}")
    response = subscribe(client_for(UserFactory()), event, invitation_token=token)
    assert response.status_code == 400 and "invitation_token" in response.json()


def test_reinviting_refreshes_the_token_and_sends_again(temporal_address, capture, mailoutbox):
    event = EventFactory(is_public=False)
    organizer = client_for(event.organizer)
    first = capture(lambda: invite(organizer, event, "again@example.com")).json()
    old_token = token_in(mailoutbox[0])
    Invitation.objects.update(expires_at=timezone.now() + timedelta(days=1))

    response = capture(lambda: invite(organizer, event, "AGAIN@example.com"))

    assert response.status_code == 200  # the same invitation, refreshed
    assert response.json()["id"] == first["id"]
    assert Invitation.objects.count() == 1
    assert len(mailoutbox) == 2 and mailoutbox[1].to == ["again@example.com"]
    new_token = token_in(mailoutbox[1])
    assert new_token != old_token
    assert Invitation.objects.get().expires_at > timezone.now() + timedelta(days=6)
    guest = client_for(UserFactory(email="again@example.com"))  # sees it through the address
    response = subscribe(guest, event, invitation_token=old_token)
    assert response.status_code == 400 and "invitation_token" in response.json()
    assert subscribe(guest, event, invitation_token=new_token).status_code == 201


def test_reinviting_an_accepted_address_makes_it_pending_again(capture, mailoutbox):
    accepted = InvitationFactory(accepted_at=timezone.now(), accepted_by=UserFactory())
    event = accepted.event
    response = capture(lambda: invite(client_for(event.organizer), event, accepted.email))
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["accepted_at"] is None
    assert len(mailoutbox) == 1


def test_a_verified_invitee_may_subscribe_without_the_token(temporal_address):
    invitation = InvitationFactory(email="member@example.com")
    guest = UserFactory(email="member@example.com")
    response = subscribe(client_for(guest), invitation.event)
    assert response.status_code == 201, response.content
    invitation.refresh_from_db()
    assert invitation.accepted_by == guest  # the invitation shows as accepted


def test_an_unverified_account_with_the_address_sees_nothing_without_the_token(temporal_address):
    # Anyone can register any address; the address counts once it is proved.
    invitation = InvitationFactory(email="claimed@example.com")
    squatter = client_for(UserFactory(email="claimed@example.com", is_verified=False))
    assert squatter.get(f"/api/events/{invitation.event.pk}").status_code == 404
    assert subscribe(squatter, invitation.event).status_code == 404


def test_a_failed_subscription_does_not_spend_the_token(temporal_address):
    event = EventFactory()
    user = UserFactory()
    SubscriptionFactory(event=event, user=user)
    InvitationFactory(event=event, token_hash=hash_token("still-good"))
    response = subscribe(client_for(user), event, invitation_token="still-good")
    assert response.status_code == 409
    assert Invitation.objects.get().accepted_at is None


def test_a_stranger_gets_404_for_a_private_event_everywhere(temporal_address):
    event = EventFactory(is_public=False)
    invitation = InvitationFactory(event=event)
    stranger = client_for(UserFactory())
    base = f"/api/events/{event.pk}"
    assert stranger.get(base).status_code == 404
    assert stranger.get(f"{base}/calendar.ics").status_code == 404
    assert subscribe(stranger, event).status_code == 404
    assert subscribe(stranger, event, invitation_token="bogus").status_code == 404
    assert subscribe(stranger, event, invitation_token=["not", "a", "string"]).status_code == 404
    assert stranger.get(f"{base}/invitations").status_code == 404
    assert invite(stranger, event, "friend@example.com").status_code == 404
    assert stranger.delete(f"{base}/invitations/{invitation.pk}").status_code == 404
    assert Invitation.objects.count() == 1 and Subscription.objects.count() == 0


def test_only_the_organizer_manages_invitations(api):
    event = EventFactory()  # public: others see it, so they are told no rather than not found
    invitation = InvitationFactory(event=event)
    follower = UserFactory()
    SubscriptionFactory(event=event, user=follower)
    for client in (client_for(UserFactory()), client_for(follower)):
        assert client.get(f"/api/events/{event.pk}/invitations").status_code == 403
        assert invite(client, event, "friend@example.com").status_code == 403
        response = client.delete(f"/api/events/{event.pk}/invitations/{invitation.pk}")
        assert response.status_code == 403
    assert api.get(f"/api/events/{event.pk}/invitations").status_code == 401
    assert invite(api, event, "friend@example.com").status_code == 401
    assert Invitation.objects.count() == 1


def test_an_invitation_is_revoked_only_through_its_own_event():
    organizer = UserFactory()
    event, other = EventFactory(organizer=organizer), EventFactory(organizer=organizer)
    invitation = InvitationFactory(event=other)
    response = client_for(organizer).delete(f"/api/events/{event.pk}/invitations/{invitation.pk}")
    assert response.status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b@c.com", None])
def test_a_bad_email_is_a_400_naming_it(email, mailoutbox):
    event = EventFactory(is_public=False)
    response = invite(client_for(event.organizer), event, email)
    assert response.status_code == 400
    assert "email" in response.json()
    assert not Invitation.objects.exists() and not mailoutbox


@pytest.mark.parametrize("status", ["cancelled", "finished"])
def test_a_closed_event_takes_no_invitations(status, mailoutbox):
    event = EventFactory(is_public=False, status=status)
    response = invite(client_for(event.organizer), event, "late@example.com")
    assert response.status_code == 409
    assert status in response.json()["detail"]
    assert not Invitation.objects.exists() and not mailoutbox


def test_the_list_is_paginated_and_shows_each_status():
    event = EventFactory(is_public=False)
    now = timezone.now()
    InvitationFactory(event=event, email="pending@example.com")
    InvitationFactory(event=event, email="expired@example.com", expires_at=now - timedelta(1))
    InvitationFactory(event=event, email="accepted@example.com", accepted_at=now)
    InvitationFactory(email="elsewhere@example.com")  # another event's
    client = client_for(event.organizer)

    body = client.get(f"/api/events/{event.pk}/invitations").json()
    assert body["count"] == 3
    assert {i["email"]: i["status"] for i in body["results"]} == {
        "pending@example.com": "pending",
        "expired@example.com": "expired",
        "accepted@example.com": "accepted",
    }
    page = client.get(f"/api/events/{event.pk}/invitations", {"limit": 2}).json()
    assert len(page["results"]) == 2 and page["next"]


def test_invitations_are_throttled_per_organizer(temporal_address, settings):
    set_throttle_rates(settings, invite="2/hour")
    event = EventFactory(is_public=False)
    api = client_for(event.organizer)
    url = f"/api/events/{event.pk}/invitations"
    for i in range(2):
        assert api.post(url, {"email": f"g{i}@example.org"}, format="json").status_code == 201
    response = api.post(url, {"email": "g3@example.org"}, format="json")
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert api.get(url).status_code == 200  # reading is not limited
