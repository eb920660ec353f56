"""The two pages behind the links in account emails: confirm an address, choose a password."""

import pytest
from django.core import mail
from django.test import Client

from soonish.accounts.models import User
from soonish.accounts.tokens import make_password_reset_token, make_verification_token
from tests.factories import PASSWORD, UserFactory

from .helpers import email_only_user, token_from_mail

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def browser():
    """A browser-like client: CSRF is enforced, as it is for real people."""
    return Client(enforce_csrf_checks=True)


def post_form(browser, path, data):
    """POST a page's form the way a browser does: with the CSRF cookie and field."""
    browser.get(path, {"token": data.get("token", "")})
    if "csrftoken" not in browser.cookies:  # an error page has no form, hence no cookie
        browser.get("/accounts/verify", {"token": "any"})
    csrf = browser.cookies["csrftoken"].value
    return browser.post(path, {**data, "csrfmiddlewaretoken": csrf})


# --- /accounts/verify -----------------------------------------------------------------------


@pytest.fixture
def unverified(db):
    return UserFactory(is_verified=False)


def test_verify_page_get_shows_a_button_and_verifies_nothing(browser, unverified):
    token = make_verification_token(unverified)

    response = browser.get("/accounts/verify", {"token": token})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Confirm my address" in html
    assert '<form method="post">' in html
    assert f'value="{token}"' in html
    assert "csrfmiddlewaretoken" in html
    unverified.refresh_from_db()
    assert not unverified.is_verified


def test_verify_page_post_verifies_the_address(browser, unverified):
    response = post_form(
        browser, "/accounts/verify", {"token": make_verification_token(unverified)}
    )

    assert response.status_code == 200
    assert "is confirmed" in response.content.decode()
    assert unverified.email in response.content.decode()
    unverified.refresh_from_db()
    assert unverified.is_verified


def test_verify_page_post_is_idempotent(browser, unverified):
    token = make_verification_token(unverified)
    post_form(browser, "/accounts/verify", {"token": token})

    response = post_form(browser, "/accounts/verify", {"token": token})

    assert response.status_code == 200
    assert "is confirmed" in response.content.decode()


def test_verify_page_post_requires_csrf(browser, unverified):
    response = browser.post("/accounts/verify", {"token": make_verification_token(unverified)})

    assert response.status_code == 403
    unverified.refresh_from_db()
    assert not unverified.is_verified


def test_verify_page_follows_the_mailed_link_for_a_claim(
    browser, api, django_capture_on_commit_callbacks
):
    email_only_user(email="sub@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            "/api/auth/register",
            {"email": "sub@example.com", "password": NEW_PASSWORD},
            format="json",
        )
    token = token_from_mail(mail.outbox[0], "/accounts/verify")

    response = post_form(browser, "/accounts/verify", {"token": token})

    assert response.status_code == 200
    assert User.objects.get(email="sub@example.com").check_password(NEW_PASSWORD)


@pytest.mark.parametrize("token", ["garbage", "", "a:b:c"])
def test_verify_page_with_a_bad_token_says_so(browser, unverified, token):
    response = post_form(browser, "/accounts/verify", {"token": token})

    assert response.status_code == 400
    html = response.content.decode()
    assert "This verification link is not valid." in html
    assert "Traceback" not in html


def test_verify_page_with_an_expired_token_says_so(browser, unverified, settings):
    token = make_verification_token(unverified)
    settings.VERIFICATION_TOKEN_MAX_AGE = -1

    response = post_form(browser, "/accounts/verify", {"token": token})

    assert response.status_code == 400
    assert "expired" in response.content.decode()
    unverified.refresh_from_db()
    assert not unverified.is_verified


def test_verify_page_refuses_other_methods(client):
    assert client.put("/accounts/verify").status_code == 405
    assert client.delete("/accounts/reset").status_code == 405


# --- /accounts/reset ------------------------------------------------------------------------


def test_reset_page_get_shows_the_form(browser, user):
    token = make_password_reset_token(user)

    response = browser.get("/accounts/reset", {"token": token})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="password"' in html
    assert 'name="password_again"' in html
    assert f'value="{token}"' in html
    assert "Change password" in html


def test_reset_page_post_changes_the_password(browser, user):
    token = make_password_reset_token(user)

    response = post_form(
        browser,
        "/accounts/reset",
        {"token": token, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "Your password has been changed" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The link works once.
    again = browser.get("/accounts/reset", {"token": token})
    assert again.status_code == 400
    assert "invalid or has already been used" in again.content.decode()


def test_reset_page_with_mismatched_passwords_rerenders_with_an_error(browser, user):
    token = make_password_reset_token(user)

    response = post_form(
        browser,
        "/accounts/reset",
        {"token": token, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "x"},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "The two passwords differ." in html
    assert f'value="{token}"' in html
    # Nothing typed is echoed back, and nothing changed.
    assert NEW_PASSWORD not in html
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("password", "message"),
    [("short", "too short"), ("password123", "too common"), ("8302957461938", "entirely numeric")],
)
def test_reset_page_with_a_weak_password_rerenders_with_an_error(browser, user, password, message):
    token = make_password_reset_token(user)

    response = post_form(
        browser,
        "/accounts/reset",
        {"token": token, "password": password, "password_again": password},
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert f'value="{password}"' not in html
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_reset_page_with_missing_passwords_rerenders_with_an_error(browser, user):
    response = post_form(browser, "/accounts/reset", {"token": make_password_reset_token(user)})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize("token", ["garbage", "", "MQ.nope"])
def test_reset_page_with_a_bad_token_says_so(browser, user, token):
    response = browser.get("/accounts/reset", {"token": token})

    assert response.status_code == 400
    html = response.content.decode()
    assert "This password reset link is invalid or has already been used." in html
    assert 'name="password"' not in html


def test_reset_page_post_with_a_bad_token_changes_nothing(browser, user):
    response = post_form(
        browser,
        "/accounts/reset",
        {"token": "MQ.nope", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )

    assert response.status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_reset_page_post_requires_csrf(browser, user):
    response = browser.post(
        "/accounts/reset",
        {
            "token": make_password_reset_token(user),
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
