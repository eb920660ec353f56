"""Small helpers shared by test modules."""

import time

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken


def client_for(user) -> APIClient:
    """An API client signed in as `user` with a JWT access token."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def wait_for(predicate, timeout: float = 30.0, message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


def set_throttle_rates(settings, **rates: str) -> None:
    """Override some throttle scopes' rates (`auth="3/min"`) for one test via `settings`."""
    framework = settings.REST_FRAMEWORK
    current = framework["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**framework, "DEFAULT_THROTTLE_RATES": {**current, **rates}}
