"""The Apprise adapter: the one function every sender calls to deliver a message to a URL.

Apprise's own retries are never used (Temporal retries with backoff), its log is captured
per send and redacted into the result, and each send runs inside the connect-time guard.
"""

import logging
import re
import smtplib
from dataclasses import dataclass

import apprise
from django.conf import settings
from django.core.mail import BadHeaderError, send_mail

from . import apprise_log
from .guard import GuardError, guarded, load, service_email_address
from .masking import redact

logger = logging.getLogger(__name__)

LEVELS = {
    "info": apprise.NotifyType.INFO,
    "warning": apprise.NotifyType.WARNING,
    "critical": apprise.NotifyType.FAILURE,
}
# Shared by every send: no parallel dispatch, and nothing Apprise stores goes to disk.
# Apprise's own masking of URLs in its log (secure_logging) is off: no record of Apprise's
# reaches a handler (apprise_log drops them; a send's are redacted into its reason), and
# that masking, computed for every URL parsed, cost a tenth of a fan-out's CPU.
_ASSET = apprise.AppriseAsset(async_mode=False, storage_mode="memory", secure_logging=False)
# Apprise plugins report HTTP failures as "..., error=401." (some as "error code 401").
_STATUS = re.compile(r"\berror(?:\s*code)?\s*[=:]?\s*(\d{3})\b", re.IGNORECASE)
# 4xx answers mean the request itself is wrong (bad token, gone channel): retrying cannot help,
# except for these, which mean "later".
_RETRYABLE_4XX = frozenset({408, 425, 429})
_UNDECRYPTABLE = "the stored channel URL cannot be decrypted"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    permanent: bool = False  # a failure retrying cannot fix (invalid URL, guard refusal, 4xx)
    reason: str = ""  # redacted; safe to store in Delivery.last_error, log, and show


def send_to_url(url: str | None, *, title: str, body: str, level: str = "info") -> SendResult:
    """Send one message to one Apprise URL (or `mailto:<address>`) and say what happened."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    notify_type = LEVELS[level]
    if url is None:
        return SendResult(False, permanent=True, reason=_UNDECRYPTABLE)
    address = service_email_address(url)
    if address is not None:
        return _send_email(address, title=title, body=body)
    try:
        plugin = load(url, asset=_ASSET)
    except GuardError as exc:
        return _failed(url, permanent=not exc.transient, reason=exc.reason)
    # One budget for connecting and one for reading each request; never Apprise's defaults.
    plugin.socket_connect_timeout = plugin.socket_read_timeout = settings.SOONISH_SEND_TIMEOUT
    # plugin.notify() sends in this thread, once: Apprise.notify() would add its retry and
    # deadline machinery and move the send to a pool thread, outside guarded().
    with apprise_log.captured() as records, guarded() as session:
        try:
            ok = plugin.notify(body=body, title=title, notify_type=notify_type)
        except Exception as exc:
            records.append((logging.ERROR, f"the channel plugin raised {type(exc).__name__}"))
            ok = False
    if ok:
        return SendResult(True)
    if session.refused:
        return _failed(url, permanent=True, reason=session.refused)
    messages = [message for levelno, message in records if levelno >= logging.WARNING]
    codes = {int(code) for message in messages for code in _STATUS.findall(message)}
    permanent = any(400 <= code < 500 and code not in _RETRYABLE_4XX for code in codes)
    reason = " ".join(dict.fromkeys(messages)) or "the channel did not accept the message"
    return _failed(url, permanent=permanent, reason=reason)


def _failed(url: str, *, permanent: bool, reason: str) -> SendResult:
    reason = redact(reason, url)[:1000]
    logger.info("send failed (%s): %s", "permanent" if permanent else "transient", reason)
    return SendResult(False, permanent=permanent, reason=reason)


def _send_email(address: str, *, title: str, body: str) -> SendResult:
    # The service's own mail server, configured by the operator: not subject to the guard.
    subject = " ".join(title.split()) or "Soonish"
    try:
        send_mail(subject, body, None, [address])
    except BadHeaderError:
        return SendResult(False, permanent=True, reason="the message title is not a valid subject")
    except smtplib.SMTPResponseException as exc:
        return _email_failed(f"the mail server answered {exc.smtp_code}")
    except (smtplib.SMTPException, OSError) as exc:
        return _email_failed(f"the mail server could not take the message ({type(exc).__name__})")
    return SendResult(True)


def _email_failed(reason: str) -> SendResult:
    # Our own server failing says nothing permanent about the address: let the sender retry.
    logger.info("service email failed (transient): %s", reason)
    return SendResult(False, permanent=False, reason=reason)
