"""Helpers for the accounts tests: the links mailed to users, email-only subscribers."""

import re
from urllib.parse import parse_qs

from django.core import mail

from tests.factories import EmailOnlyUserFactory

_LINK = re.compile(r"http://testserver(/accounts/(?:verify|reset))\?(\S+)")


def token_from_mail(message, path: str) -> str:
    """The `token` query parameter of the `path` link in a mail's text body."""
    for found_path, query in _LINK.findall(message.body):
        if found_path == path:
            return parse_qs(query)["token"][0]
    raise AssertionError(f"no {path} link in mail: {message.body!r}")


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def email_only_user(**fields):
    """An email-only subscriber (no usable password)."""
    user = EmailOnlyUserFactory(**fields)
    assert user.is_email_only
    return user
