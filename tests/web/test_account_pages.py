"""Account pages: sign up, log in and out, password reset request, profile, verification."""

import re

import pytest
from django.core import mail

from soonish.accounts.models import User
from soonish.accounts.tokens import make_verification_token
from tests.factories import PASSWORD, EmailOnlyUserFactory, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a long and lovely passphrase 7"


def signup(client, **overrides):
    data = {"email": "new@example.com", "name": "Ada", "password": STRONG}
    data.update(overrides)
    data.setdefault("password_again", data["password"])
    return client.post("/accounts/signup", data)


def field_html(response, name: str) -> str:
    """The HTML of one field's wrapper: where its errors must appear."""
    html = response.content.decode()
    match = re.search(rf'<div class="field[^"]*">\s*<label for="id_{name}".*?</div>', html, re.S)
    assert match, f"no field {name}"
    return match.group(0)


# --- sign up ---------------------------------------------------------------------------------


def test_signup_page_renders(client):
    response = client.get("/accounts/signup")
    assert response.status_code == 200
    assert b'name="password_again"' in response.content


def test_signup_creates_the_account_and_sends_the_verification(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client)
    assert response.status_code == 302 and response["Location"] == "/accounts/signup/done"
    user = User.objects.get(email="new@example.com")
    assert user.name == "Ada" and not user.is_verified and user.check_password(STRONG)
    assert len(mail.outbox) == 1 and "/accounts/verify?token=" in mail.outbox[0].body
    done = client.get("/accounts/signup/done")
    assert b"Check your inbox" in done.content and b"new@example.com" in done.content


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "Enter a valid email address."),
        ({"password": "123"}, "password", "This password is too short."),
        ({"password": "password123"}, "password", "This password is too common."),
        ({"password_again": "something else 99"}, "password_again", "The two passwords differ."),
    ],
)
def test_signup_errors_appear_beside_the_field_and_nothing_is_created(
    client, overrides, field, message
):
    response = signup(client, **overrides)
    assert response.status_code == 400
    html = field_html(response, field)
    assert "has-error" in html and message in html
    assert b'value="Ada"' in response.content  # what was typed is kept
    assert not User.objects.filter(email="new@example.com").exists()
    assert mail.outbox == []


def test_signup_with_a_registered_email_is_refused(client):
    UserFactory(email="taken@example.com")
    response = signup(client, email="Taken@Example.com")
    assert response.status_code == 400
    assert "already exists" in field_html(response, "email")
    assert User.objects.filter(email="taken@example.com").count() == 1
    assert mail.outbox == []


def test_signup_claims_an_email_only_account(client, django_capture_on_commit_callbacks):
    claimed = EmailOnlyUserFactory(email="sub@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        assert signup(client, email="sub@example.com").status_code == 302
    claimed.refresh_from_db()
    assert claimed.pending_password and not claimed.has_usable_password()
    assert len(mail.outbox) == 1


# --- log in / log out ------------------------------------------------------------------------


def test_login_page_links_to_the_password_reset(client):
    response = client.get("/accounts/login")
    assert response.status_code == 200 and b'href="/accounts/password-reset"' in response.content


def test_login_with_email_and_password_goes_to_the_dashboard(client):
    UserFactory(email="me@example.com")
    response = client.post("/accounts/login", {"username": "ME@example.com", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200


def test_login_honours_a_local_next_but_not_a_foreign_one(client):
    UserFactory(email="me@example.com")
    data = {"username": "me@example.com", "password": PASSWORD}
    response = client.post("/accounts/login", {**data, "next": "/notifications/"})
    assert response["Location"] == "/notifications/"
    client.logout()
    response = client.post("/accounts/login", {**data, "next": "https://evil.example/"})
    assert response["Location"] == "/dashboard"


def test_login_with_a_wrong_password_says_so(client):
    UserFactory(email="me@example.com")
    response = client.post("/accounts/login", {"username": "me@example.com", "password": "nope"})
    assert response.status_code == 200
    assert b"do not match an account" in response.content
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client, user):
    client.force_login(user)
    assert client.get("/accounts/logout").status_code == 405
    response = client.post("/accounts/logout")
    assert response.status_code == 302 and "_auth_user_id" not in client.session


# --- password reset request ------------------------------------------------------------------


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks
):
    UserFactory(email="me@example.com")
    answers = []
    for email in ("me@example.com", "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/accounts/password-reset", {"email": email}, follow=True)
        # The CSRF token differs per request; the rest of the page must not.
        page = re.sub(
            r'"X-CSRFToken": "[^"]+"|value="[A-Za-z0-9]{64}"', "", response.content.decode()
        )
        answers.append(page.replace(email, ""))
        assert b"If an account uses that address" in response.content
    assert answers[0] == answers[1]
    assert len(mail.outbox) == 1 and "/accounts/reset?token=" in mail.outbox[0].body


def test_password_reset_with_a_bad_address_shows_the_error(client):
    response = client.post("/accounts/password-reset", {"email": "nope"})
    assert response.status_code == 400
    assert "Enter a valid email address." in field_html(response, "email")
    assert mail.outbox == []


# --- verification and profile ----------------------------------------------------------------


def test_verified_page_offers_to_log_in(client):
    user = UserFactory(is_verified=False)
    response = client.post("/accounts/verify", {"token": make_verification_token(user)})
    assert response.status_code == 200 and b'href="/accounts/login"' in response.content


def test_profile_needs_a_login(client):
    response = client.get("/accounts/profile")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login?next=")


def test_profile_changes_name_and_time_zone(client, user):
    client.force_login(user)
    data = {"name": "New Name", "time_zone": "Europe/Paris"}
    response = client.post("/accounts/profile", data)
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.name, user.time_zone) == ("New Name", "Europe/Paris")


def test_profile_refuses_an_unknown_time_zone(client, user):
    client.force_login(user)
    response = client.post("/accounts/profile", {"name": "X", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "has-error" in field_html(response, "time_zone")
    user.refresh_from_db()
    assert user.time_zone == "UTC" and user.name != "X"
