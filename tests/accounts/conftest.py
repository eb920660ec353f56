"""Helpers for the accounts tests: JSON posts and the links mailed to users."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail

_LINK = re.compile(r"http://testserver(/accounts/(?:verify|reset))\?(\S+)")


def token_from_mail(message, path: str) -> str:
    """The `token` query parameter of the `path` link in a mail's text body."""
    for found_path, query in _LINK.findall(message.body):
        if found_path == path:
            return parse_qs(query)["token"][0]
    raise AssertionError(f"no {path} link in mail: {message.body!r}")


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


@pytest.fixture
def mailing(django_capture_on_commit_callbacks):
    """Run the request inside a capture that executes the on_commit mail sends."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run
