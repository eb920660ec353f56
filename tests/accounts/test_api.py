"""The accounts API (SPEC §2): register, login, tokens, logout, verification, reset, profile."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from soonish.accounts.models import User
from soonish.accounts.tokens import make_password_reset_token, make_verification_token
from tests.factories import PASSWORD, UserFactory
from tests.helpers import set_throttle_rates

from .helpers import email_only_user, mails_to, token_from_mail

pytestmark = pytest.mark.django_db

USER_FIELDS = {"id", "email", "name", "is_verified", "time_zone"}
NEW_PASSWORD = "a brand new passphrase 42"
SENT = {"detail": "If an account uses this address, we have sent it an email."}


def post(client, path, data=None):
    return client.post(f"/api/{path}", data or {}, format="json")


def bearer(token) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def register(api, mailing, **data):
    body = {"email": "ada@example.com", "password": PASSWORD, "name": "Ada", **data}
    return mailing(post, api, "auth/register", body)


def login(client, email, password=PASSWORD):
    return post(client, "auth/login", {"email": email, "password": password})


# --- register -------------------------------------------------------------------------------


def test_register_creates_an_unverified_account_and_mails_a_verification_link(api, mailing):
    response = register(api, mailing, email="Ada@Example.com")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["email"] == "ada@example.com"
    assert body["name"] == "Ada"
    assert body["is_verified"] is False
    assert body["time_zone"] == "UTC"
    assert "password" not in body
    user = User.objects.get(pk=body["id"])
    assert user.check_password(PASSWORD)
    [message] = mail.outbox
    assert message.to == ["ada@example.com"]
    assert "confirm" in message.subject.lower()
    assert token_from_mail(message, "/accounts/verify")


def test_register_without_name_is_allowed(api, mailing):
    response = mailing(
        post, api, "auth/register", {"email": "noname@example.com", "password": PASSWORD}
    )
    assert response.status_code == 201
    assert response.json()["name"] == ""


def test_registered_user_can_log_in_before_verifying(api, mailing):
    register(api, mailing)
    response = login(api, "ada@example.com")
    assert response.status_code == 200
    assert response.json()["user"]["is_verified"] is False


@pytest.mark.parametrize("email", ["taken@example.com", "TAKEN@Example.COM", " taken@example.com "])
def test_register_refuses_an_email_already_registered_in_any_case(api, mailing, email):
    UserFactory(email="taken@example.com")

    response = register(api, mailing, email=email)

    assert response.status_code == 400
    assert set(response.json()) == {"email"}
    assert "already exists" in response.json()["email"][0]
    assert User.objects.filter(email__iexact="taken@example.com").count() == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Sh0rt!", "too short"),
        ("password123", "too common"),
        ("8302957461938", "entirely numeric"),
        ("gracehopper1", "too similar"),
    ],
    ids=["too-short", "common", "numeric", "similar-to-email"],
)
def test_register_refuses_a_weak_password_naming_the_password_field(api, mailing, password, reason):
    response = register(api, mailing, email="gracehopper@example.com", password=password)

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"password"}
    assert any(reason in message for message in body["password"]), body
    assert not User.objects.filter(email="gracehopper@example.com").exists()
    assert mail.outbox == []


@pytest.mark.parametrize("email", ["not-an-email", "ada@", "@example.com", "a" * 250 + "@ex.com"])
def test_register_refuses_an_invalid_email(api, mailing, email):
    response = register(api, mailing, email=email)

    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.count() == 0


def test_register_names_every_missing_field(api):
    response = post(api, "auth/register", {})

    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"email", "password"}
    assert body["email"] == ["This field is required."]
    assert body["password"] == ["This field is required."]


@pytest.mark.parametrize(
    "field, value",
    [("email", None), ("password", None), ("password", ["a", "list"]), ("name", "x" * 151)],
)
def test_register_refuses_wrongly_typed_fields_naming_them(api, mailing, field, value):
    response = register(api, mailing, **{field: value})

    assert response.status_code == 400
    assert field in response.json()


def test_register_with_malformed_json_is_a_400(api):
    response = api.post(
        "/api/auth/register",
        data='{"email": "ada@example.com", "password": ',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert User.objects.count() == 0


def test_register_with_a_json_list_is_a_400(api):
    response = api.post("/api/auth/register", data="[]", content_type="application/json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_register_with_a_form_body_is_unsupported_media_type(api):
    response = api.post(
        "/api/auth/register",
        {"email": "ada@example.com", "password": PASSWORD},
        format="multipart",
    )

    assert response.status_code == 415
    assert "Unsupported media type" in response.json()["detail"]
    assert User.objects.count() == 0


PUBLIC_POSTS = [
    "auth/register",
    "auth/login",
    "auth/refresh",
    "auth/verify",
    "auth/resend-verification",
    "auth/password-reset",
    "auth/password-reset/confirm",
]


@pytest.mark.parametrize("path", PUBLIC_POSTS)
def test_public_endpoints_answer_malformed_json_with_a_400(api, path):
    response = api.post(f"/api/{path}", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]


@pytest.mark.parametrize("path", PUBLIC_POSTS)
def test_public_endpoints_answer_a_non_json_body_with_a_415(api, path):
    response = api.post(f"/api/{path}", data="email=a@example.com", content_type="text/plain")

    assert response.status_code == 415
    assert "detail" in response.json()


# --- claiming an email-only account -------------------------------------------------------


def test_registering_an_email_only_address_claims_it_once_verified(api, mailing):
    subscriber = email_only_user(email="sub@example.com", name="")

    response = register(api, mailing, email="SUB@example.com", name="Sub Scriber")

    assert response.status_code == 201
    body = response.json()
    assert body["id"] == subscriber.pk
    assert body["is_verified"] is False
    assert body["name"] == "Sub Scriber"
    assert User.objects.filter(email="sub@example.com").count() == 1
    # The password waits for proof that the registrant reads this mailbox.
    refused = login(APIClient(), "sub@example.com")
    assert refused.status_code == 401
    [message] = mails_to("sub@example.com")
    assert "takes effect once you confirm" in message.body

    verified = post(api, "auth/verify", {"token": token_from_mail(message, "/accounts/verify")})

    assert verified.status_code == 200
    assert verified.json()["is_verified"] is True
    logged_in = login(APIClient(), "sub@example.com")
    assert logged_in.status_code == 200
    assert logged_in.json()["user"]["id"] == subscriber.pk


def test_claiming_keeps_the_name_the_subscriber_already_had(api, mailing):
    email_only_user(email="sub@example.com", name="Original")

    response = register(api, mailing, email="sub@example.com", name="Someone else")

    assert response.status_code == 201
    assert User.objects.get(email="sub@example.com").name == "Original"


def test_claiming_does_not_show_what_the_account_holds(api, mailing):
    email_only_user(email="sub@example.com", name="Original")

    response = register(api, mailing, email="sub@example.com", name="Someone else")

    assert response.json()["name"] == "Someone else"
    assert "Original" not in response.content.decode()


def test_an_older_claim_link_cannot_activate_a_later_claims_password(api, mailing):
    email_only_user(email="sub@example.com")
    register(api, mailing, email="sub@example.com", password="first pass phrase 1")
    register(api, mailing, email="sub@example.com", password="second pass phrase 2")
    first, second = (token_from_mail(m, "/accounts/verify") for m in mail.outbox)

    refused = post(api, "auth/verify", {"token": first})
    assert refused.status_code == 400
    assert "newer" in refused.json()["token"][0]
    assert post(api, "auth/verify", {"token": second}).status_code == 200
    assert User.objects.get(email="sub@example.com").check_password("second pass phrase 2")


def test_a_claimed_account_cannot_be_registered_again(api, mailing):
    email_only_user(email="sub@example.com")
    register(api, mailing, email="sub@example.com")
    post(api, "auth/verify", {"token": token_from_mail(mail.outbox[0], "/accounts/verify")})

    response = register(api, mailing, email="sub@example.com", password="another pass phrase")

    assert response.status_code == 400
    assert set(response.json()) == {"email"}


def test_claiming_with_a_weak_password_is_refused(api, mailing):
    email_only_user(email="sub@example.com")

    response = register(api, mailing, email="sub@example.com", password="123")

    assert response.status_code == 400
    assert set(response.json()) == {"password"}
    assert User.objects.get(email="sub@example.com").pending_password == ""
    assert mail.outbox == []


# --- login ----------------------------------------------------------------------------------


def test_login_returns_tokens_and_the_user(api, user):
    response = login(api, user.email)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "user"}
    assert set(body["user"]) == USER_FIELDS
    assert body["user"]["id"] == user.pk
    assert AccessToken(body["access"])["user_id"] == str(user.pk)
    assert RefreshToken(body["refresh"])["user_id"] == str(user.pk)


def test_login_email_is_case_insensitive(api, user):
    response = login(api, f"  {user.email.upper()} ")

    assert response.status_code == 200
    assert response.json()["user"]["email"] == user.email


@pytest.mark.parametrize("which", ["wrong-password", "unknown-email"])
def test_login_failure_is_401_with_the_same_message(api, user, which):
    email = user.email if which == "wrong-password" else "nobody@example.com"
    password = "not the password" if which == "wrong-password" else PASSWORD

    response = login(api, email, password)

    assert response.status_code == 401
    assert response.json() == {"detail": "Email or password is incorrect."}
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "sessionid" not in response.cookies


def test_login_refuses_an_email_only_account(api):
    subscriber = email_only_user()

    response = login(api, subscriber.email, "")

    assert response.status_code == 400
    assert set(response.json()) == {"password"}
    assert login(api, subscriber.email, "anything at all").status_code == 401


def test_login_refuses_an_inactive_account(api):
    inactive = UserFactory(is_active=False)

    response = login(api, inactive.email)

    assert response.status_code == 401
    assert response.json() == {"detail": "Email or password is incorrect."}


def test_login_names_missing_fields(api):
    response = post(api, "auth/login", {})

    assert response.status_code == 400
    assert set(response.json()) == {"email", "password"}


def test_login_sets_a_session_cookie_that_authenticates_the_api(api, user):
    response = login(api, user.email)

    assert response.status_code == 200
    assert response.cookies["sessionid"].value
    # No Authorization header: only the cookie the client kept.
    me = api.get("/api/users/me")
    assert me.status_code == 200
    assert me.json()["id"] == user.pk


def test_access_token_from_login_authenticates_the_api(api, user):
    access = login(api, user.email).json()["access"]

    me = bearer(access).get("/api/users/me")

    assert me.status_code == 200
    assert me.json()["email"] == user.email


def test_expired_access_token_is_refused(user):
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))

    response = bearer(token).get("/api/users/me")

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_garbage_bearer_token_is_refused(user):
    response = bearer("not.a.jwt").get("/api/users/me")

    assert response.status_code == 401
    assert "detail" in response.json()


def test_refresh_token_is_not_accepted_as_an_access_token(user):
    response = bearer(RefreshToken.for_user(user)).get("/api/users/me")

    assert response.status_code == 401


def test_login_is_throttled_with_retry_after(api, user, settings):
    set_throttle_rates(settings, auth="3/min")
    for _ in range(3):
        assert login(api, user.email, "wrong password").status_code == 401

    response = login(api, user.email)

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()


def test_default_auth_throttle_allows_twenty_logins_a_minute(api, user):
    assert django_settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth"] == "20/min"
    for _ in range(20):
        assert login(api, user.email, "wrong password").status_code == 401

    response = login(api, user.email)

    assert response.status_code == 429
    assert response.has_header("Retry-After")


# --- refresh --------------------------------------------------------------------------------


def test_refresh_returns_a_new_token_pair(api, user):
    pair = login(api, user.email).json()

    response = post(APIClient(), "auth/refresh", {"refresh": pair["refresh"]})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh"}
    assert body["refresh"] != pair["refresh"]
    assert bearer(body["access"]).get("/api/users/me").status_code == 200


def test_refresh_token_is_refused_after_rotation(api, user):
    old = login(api, user.email).json()["refresh"]
    new = post(api, "auth/refresh", {"refresh": old}).json()["refresh"]

    reused = post(api, "auth/refresh", {"refresh": old})

    assert reused.status_code == 401
    assert reused.json()["code"] == "token_not_valid"
    assert post(api, "auth/refresh", {"refresh": new}).status_code == 200


def test_refresh_with_an_access_token_is_refused(api, user):
    access = login(api, user.email).json()["access"]

    response = post(api, "auth/refresh", {"refresh": access})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_with_garbage_is_refused(api):
    response = post(api, "auth/refresh", {"refresh": "garbage"})

    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_refresh_with_an_expired_refresh_token_is_refused(api, user):
    token = RefreshToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))

    response = post(api, "auth/refresh", {"refresh": str(token)})

    assert response.status_code == 401


def test_refresh_without_a_token_names_the_field(api):
    response = post(api, "auth/refresh", {})

    assert response.status_code == 400
    assert set(response.json()) == {"refresh"}


def test_refresh_for_a_deactivated_account_is_refused(api, user):
    refresh = str(RefreshToken.for_user(user))
    user.is_active = False
    user.save()

    response = post(api, "auth/refresh", {"refresh": refresh})

    assert response.status_code == 401


def test_refresh_for_a_deleted_account_is_refused(api, user):
    refresh = str(RefreshToken.for_user(user))
    user.delete()

    response = post(api, "auth/refresh", {"refresh": refresh})

    assert response.status_code == 401
    assert "detail" in response.json()


# --- logout ---------------------------------------------------------------------------------


def test_logout_blacklists_the_given_refresh_token(api, user):
    pair = login(api, user.email).json()
    client = bearer(pair["access"])

    response = post(client, "auth/logout", {"refresh": pair["refresh"]})

    assert response.status_code == 204
    assert response.content == b""
    refused = post(APIClient(), "auth/refresh", {"refresh": pair["refresh"]})
    assert refused.status_code == 401


def test_logout_ends_the_session(api, user):
    refresh = login(api, user.email).json()["refresh"]
    assert api.get("/api/users/me").status_code == 200

    response = post(api, "auth/logout", {"refresh": refresh})

    assert response.status_code == 204
    assert api.get("/api/users/me").status_code == 401


def test_logout_without_a_refresh_token_ends_the_session(api, user):
    login(api, user.email)

    response = post(api, "auth/logout")

    assert response.status_code == 204
    assert api.get("/api/users/me").status_code == 401


def test_logout_with_an_already_blacklisted_refresh_still_ends_the_session(api, user):
    tokens = login(api, user.email).json()
    api.post("/api/auth/refresh", {"refresh": tokens["refresh"]}, format="json")  # rotated out

    response = api.post("/api/auth/logout", {"refresh": tokens["refresh"]}, format="json")

    assert response.status_code == 400
    assert api.get("/api/users/me").status_code == 401


def test_logout_refuses_another_users_refresh_token(auth_api):
    someone_else = UserFactory()
    their_refresh = str(RefreshToken.for_user(someone_else))

    response = post(auth_api, "auth/logout", {"refresh": their_refresh})

    assert response.status_code == 400
    assert set(response.json()) == {"refresh"}
    # Their token still works.
    assert post(APIClient(), "auth/refresh", {"refresh": their_refresh}).status_code == 200


@pytest.mark.parametrize("kind", ["garbage", "access"])
def test_logout_refuses_a_token_that_is_not_a_refresh_token(auth_api, user, kind):
    value = "garbage" if kind == "garbage" else str(AccessToken.for_user(user))

    response = post(auth_api, "auth/logout", {"refresh": value})

    assert response.status_code == 400
    assert set(response.json()) == {"refresh"}


def test_logout_requires_authentication(api, user):
    refresh = str(RefreshToken.for_user(user))

    response = post(api, "auth/logout", {"refresh": refresh})

    assert response.status_code == 401
    assert "detail" in response.json()
    assert post(api, "auth/refresh", {"refresh": refresh}).status_code == 200


# --- verification ---------------------------------------------------------------------------


@pytest.fixture
def unverified(db):
    return UserFactory(is_verified=False)


def test_verify_marks_the_email_verified(api, unverified):
    response = post(api, "auth/verify", {"token": make_verification_token(unverified)})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == USER_FIELDS
    assert body["id"] == unverified.pk
    assert body["is_verified"] is True
    unverified.refresh_from_db()
    assert unverified.is_verified


def test_verify_with_the_mailed_link_token(api, mailing):
    register(api, mailing)
    token = token_from_mail(mail.outbox[0], "/accounts/verify")

    response = post(api, "auth/verify", {"token": token})

    assert response.status_code == 200
    assert response.json()["is_verified"] is True


def test_verify_is_idempotent(api, unverified):
    token = make_verification_token(unverified)
    assert post(api, "auth/verify", {"token": token}).status_code == 200

    again = post(api, "auth/verify", {"token": token})

    assert again.status_code == 200
    assert again.json()["is_verified"] is True


def test_verify_by_get_with_a_query_token(api, unverified):
    response = api.get("/api/auth/verify", {"token": make_verification_token(unverified)})

    assert response.status_code == 200
    assert response.json()["is_verified"] is True


def test_verify_refuses_a_tampered_token(api, unverified):
    token = make_verification_token(unverified)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    response = post(api, "auth/verify", {"token": tampered})

    assert response.status_code == 400
    assert response.json() == {"token": ["This verification link is not valid."]}
    unverified.refresh_from_db()
    assert not unverified.is_verified


def test_verify_refuses_an_expired_token(api, unverified, settings):
    token = make_verification_token(unverified)
    settings.VERIFICATION_TOKEN_MAX_AGE = -1

    response = post(api, "auth/verify", {"token": token})

    assert response.status_code == 400
    assert set(response.json()) == {"token"}
    assert "expired" in response.json()["token"][0]
    unverified.refresh_from_db()
    assert not unverified.is_verified


def test_verify_refuses_a_token_for_a_previous_address(api, unverified):
    token = make_verification_token(unverified)
    unverified.email = "changed@example.com"
    unverified.save()

    response = post(api, "auth/verify", {"token": token})

    assert response.status_code == 400
    assert set(response.json()) == {"token"}


def test_verify_refuses_a_password_reset_token(api, unverified):
    response = post(api, "auth/verify", {"token": make_password_reset_token(unverified)})

    assert response.status_code == 400
    assert set(response.json()) == {"token"}


@pytest.mark.parametrize("method", ["get", "post"])
def test_verify_without_a_token_names_the_token_field(api, method):
    response = api.get("/api/auth/verify") if method == "get" else post(api, "auth/verify")

    assert response.status_code == 400
    assert response.json() == {"token": ["This field is required."]}


def test_verify_refuses_an_overlong_token(api):
    response = post(api, "auth/verify", {"token": "x" * 501})

    assert response.status_code == 400
    assert set(response.json()) == {"token"}


# --- resend verification & password reset request -------------------------------------------


@pytest.mark.parametrize("path", ["auth/resend-verification", "auth/password-reset"])
def test_email_requests_answer_the_same_for_known_and_unknown_addresses(api, mailing, path):
    account = UserFactory(email="known@example.com", is_verified=False)

    known = mailing(post, api, path, {"email": "Known@Example.com"})
    unknown = mailing(post, api, path, {"email": "unknown@example.com"})

    assert known.status_code == unknown.status_code == 200
    assert known.json() == unknown.json() == SENT
    assert [m.to for m in mail.outbox] == [[account.email]]


def test_resend_verification_mails_a_working_link(api, mailing, unverified):
    response = mailing(post, api, "auth/resend-verification", {"email": unverified.email})

    assert response.status_code == 200
    [message] = mails_to(unverified.email)
    token = token_from_mail(message, "/accounts/verify")
    assert post(api, "auth/verify", {"token": token}).json()["is_verified"] is True


def test_resend_verification_sends_nothing_to_a_verified_account(api, mailing, user):
    response = mailing(post, api, "auth/resend-verification", {"email": user.email})

    assert response.status_code == 200
    assert response.json() == SENT
    assert mail.outbox == []


def test_resend_verification_resends_a_pending_claim(api, mailing):
    email_only_user(email="sub@example.com")
    register(api, mailing, email="sub@example.com")
    mail.outbox.clear()

    response = mailing(post, api, "auth/resend-verification", {"email": "sub@example.com"})

    assert response.status_code == 200
    [message] = mail.outbox
    assert "takes effect once you confirm" in message.body


@pytest.mark.parametrize("path", ["auth/resend-verification", "auth/password-reset"])
def test_email_requests_validate_the_address(api, path):
    assert post(api, path, {}).json() == {"email": ["This field is required."]}
    response = post(api, path, {"email": "nope"})

    assert response.status_code == 400
    assert set(response.json()) == {"email"}


def test_password_reset_is_not_mailed_to_an_inactive_account(api, mailing):
    inactive = UserFactory(is_active=False)

    response = mailing(post, api, "auth/password-reset", {"email": inactive.email})

    assert response.json() == SENT
    assert mail.outbox == []


def test_email_requests_are_throttled_with_retry_after(api, mailing, settings):
    set_throttle_rates(settings, auth_email="2/min")
    post(api, "auth/password-reset", {"email": "a@example.com"})
    post(api, "auth/resend-verification", {"email": "a@example.com"})

    response = post(api, "auth/password-reset", {"email": "a@example.com"})

    assert response.status_code == 429
    assert response.has_header("Retry-After")


# --- password reset confirm -----------------------------------------------------------------


def request_reset(api, mailing, email) -> str:
    mailing(post, api, "auth/password-reset", {"email": email})
    return token_from_mail(mails_to(email)[-1], "/accounts/reset")


def test_password_reset_changes_the_password_once(api, mailing, user):
    token = request_reset(api, mailing, user.email)

    response = post(api, "auth/password-reset/confirm", {"token": token, "password": NEW_PASSWORD})

    assert response.status_code == 200
    assert set(response.json()) == {"detail"}
    assert login(APIClient(), user.email, NEW_PASSWORD).status_code == 200
    assert login(APIClient(), user.email, PASSWORD).status_code == 401

    again = post(
        api, "auth/password-reset/confirm", {"token": token, "password": "yet another one 7"}
    )

    assert again.status_code == 400
    assert set(again.json()) == {"token"}
    assert login(APIClient(), user.email, NEW_PASSWORD).status_code == 200


def test_password_reset_marks_the_address_verified(api, mailing, unverified):
    token = request_reset(api, mailing, unverified.email)

    post(api, "auth/password-reset/confirm", {"token": token, "password": NEW_PASSWORD})

    unverified.refresh_from_db()
    assert unverified.is_verified


def test_password_reset_gives_an_email_only_account_a_password(api, mailing):
    subscriber = email_only_user()
    token = request_reset(api, mailing, subscriber.email)

    response = post(api, "auth/password-reset/confirm", {"token": token, "password": NEW_PASSWORD})

    assert response.status_code == 200
    assert login(api, subscriber.email, NEW_PASSWORD).status_code == 200


def test_password_reset_supersedes_a_pending_claim(api, mailing):
    email_only_user(email="sub@example.com")
    register(api, mailing, email="sub@example.com", password="claimant pass phrase")
    token = request_reset(api, mailing, "sub@example.com")

    post(api, "auth/password-reset/confirm", {"token": token, "password": NEW_PASSWORD})

    assert User.objects.get(email="sub@example.com").pending_password == ""
    assert login(APIClient(), "sub@example.com", NEW_PASSWORD).status_code == 200
    assert login(APIClient(), "sub@example.com", "claimant pass phrase").status_code == 401


def test_password_reset_refuses_a_weak_password_and_keeps_the_token_usable(api, mailing, user):
    token = request_reset(api, mailing, user.email)

    response = post(api, "auth/password-reset/confirm", {"token": token, "password": "12345678"})

    assert response.status_code == 400
    assert set(response.json()) == {"password"}
    assert login(APIClient(), user.email, PASSWORD).status_code == 200
    # The failed attempt did not burn the link (logging in did: it changes last_login).
    token = request_reset(api, mailing, user.email)
    ok = post(api, "auth/password-reset/confirm", {"token": token, "password": NEW_PASSWORD})
    assert ok.status_code == 200


def test_password_reset_refuses_a_password_similar_to_the_email(api, mailing):
    account = UserFactory(email="gracehopper@example.com")
    token = request_reset(api, mailing, account.email)

    response = post(api, "auth/password-reset/confirm", {"token": token, "password": "gracehopper"})

    assert response.status_code == 400
    assert set(response.json()) == {"password"}


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "",
        ".",
        "MQ.not-a-real-token",
        "!!!.abc",
        "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5.abc-def",
        "LTE.abc-def",
        "_w.abc",
    ],
)
def test_password_reset_refuses_a_bad_token(api, user, token):
    response = post(api, "auth/password-reset/confirm", {"token": token, "password": NEW_PASSWORD})

    assert response.status_code == 400
    assert set(response.json()) == {"token"}


def test_password_reset_refuses_a_token_of_another_user(api, user):
    other = UserFactory()
    uid, _, _ = make_password_reset_token(other).partition(".")
    _, _, secret = make_password_reset_token(user).partition(".")

    response = post(
        api, "auth/password-reset/confirm", {"token": f"{uid}.{secret}", "password": NEW_PASSWORD}
    )

    assert response.status_code == 400
    assert set(response.json()) == {"token"}


def test_password_reset_names_missing_fields(api):
    response = post(api, "auth/password-reset/confirm", {})

    assert response.status_code == 400
    assert set(response.json()) == {"token", "password"}


def test_password_reset_ends_existing_sessions(api, mailing, user):
    login(api, user.email)
    assert api.get("/api/users/me").status_code == 200
    token = request_reset(APIClient(), mailing, user.email)

    post(APIClient(), "auth/password-reset/confirm", {"token": token, "password": NEW_PASSWORD})

    assert api.get("/api/users/me").status_code == 401


def test_password_reset_revokes_outstanding_refresh_tokens(api, mailing, user):
    refresh = login(api, user.email).json()["refresh"]
    token = request_reset(APIClient(), mailing, user.email)

    post(APIClient(), "auth/password-reset/confirm", {"token": token, "password": NEW_PASSWORD})

    response = post(APIClient(), "auth/refresh", {"refresh": refresh})
    assert response.status_code == 401


# --- users/me -------------------------------------------------------------------------------


def test_me_returns_the_profile(auth_api, user):
    response = auth_api.get("/api/users/me")

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": user.email,
        "name": user.name,
        "is_verified": True,
        "time_zone": "UTC",
    }


def test_me_requires_authentication(api):
    response = api.get("/api/users/me")

    assert response.status_code == 401
    assert response.json() == {"detail": "Authentication credentials were not provided."}
    assert response.has_header("WWW-Authenticate")


def test_me_patch_requires_authentication(api):
    response = api.patch("/api/users/me", {"name": "x"}, format="json")

    assert response.status_code == 401


def test_me_patch_changes_name_and_time_zone(auth_api, user):
    response = auth_api.patch(
        "/api/users/me", {"name": "New Name", "time_zone": "Europe/Paris"}, format="json"
    )

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": user.email,
        "name": "New Name",
        "is_verified": True,
        "time_zone": "Europe/Paris",
    }
    user.refresh_from_db()
    assert (user.name, user.time_zone) == ("New Name", "Europe/Paris")


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "europe/paris", None, 42])
def test_me_patch_refuses_an_unknown_time_zone(auth_api, user, zone):
    response = auth_api.patch("/api/users/me", {"time_zone": zone}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"time_zone"}
    user.refresh_from_db()
    assert user.time_zone == "UTC"


def test_me_patch_ignores_read_only_fields(auth_api, user):
    original = user.email

    response = auth_api.patch(
        "/api/users/me",
        {"email": "hijack@example.com", "is_verified": False, "id": 999, "name": "Kept"},
        format="json",
    )

    assert response.status_code == 200
    body = response.json()
    assert body["email"] == original
    assert body["is_verified"] is True
    assert body["id"] == user.pk
    assert body["name"] == "Kept"
    user.refresh_from_db()
    assert user.email == original
    assert user.is_verified


def test_me_patch_with_an_empty_body_changes_nothing(auth_api, user):
    response = auth_api.patch("/api/users/me", {}, format="json")

    assert response.status_code == 200
    assert response.json()["name"] == user.name


def test_me_patch_refuses_an_overlong_name(auth_api):
    response = auth_api.patch("/api/users/me", {"name": "n" * 151}, format="json")

    assert response.status_code == 400
    assert set(response.json()) == {"name"}


def test_me_does_not_allow_put_or_delete(auth_api):
    assert auth_api.put("/api/users/me", {"name": "x"}, format="json").status_code == 405
    assert auth_api.delete("/api/users/me").status_code == 405


def test_me_patch_through_the_session_requires_csrf(user):
    client = APIClient(enforce_csrf_checks=True)
    login(client, user.email)

    response = client.patch("/api/users/me", {"name": "x"}, format="json")

    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


# --- schema ---------------------------------------------------------------------------------


def test_schema_documents_the_refresh_request_body(api):
    response = api.get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    schema = response.json()
    ref = schema["paths"]["/api/auth/refresh"]["post"]["requestBody"]["content"][
        "application/json"
    ]["schema"]["$ref"]
    body = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    assert body["required"] == ["refresh"]


def test_schema_documents_every_accounts_endpoint(api):
    paths = api.get("/api/schema/", {"format": "json"}).json()["paths"]

    for path in [
        "/api/auth/register",
        "/api/auth/login",
        "/api/auth/refresh",
        "/api/auth/logout",
        "/api/auth/verify",
        "/api/auth/resend-verification",
        "/api/auth/password-reset",
        "/api/auth/password-reset/confirm",
        "/api/users/me",
    ]:
        assert path in paths, path
    assert {"get", "post"} <= set(paths["/api/auth/verify"])
    assert {"get", "patch"} <= set(paths["/api/users/me"])


@pytest.mark.django_db(transaction=True)
def test_a_mail_server_that_is_down_does_not_fail_the_registration(api, settings, caplog):
    from workflows.devserver import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", free_port(), 2
    body = {"email": "offline@example.com", "password": PASSWORD, "name": "Off"}
    response = api.post("/api/auth/register", body, format="json")
    assert response.status_code == 201
    assert User.objects.filter(email="offline@example.com").exists()
    assert "mail verification not sent: ConnectionRefusedError" in caplog.text
