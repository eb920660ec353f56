"""Service email: rendered from templates/notifications/, sent through Django's backend."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def render_email(template: str, context: dict) -> tuple[str, str, str]:
    """Return (subject, text, html) from notifications/<template>_subject.txt, .txt, .html."""
    context = {"base_url": settings.SOONISH_BASE_URL, **context}
    subject = render_to_string(f"notifications/{template}_subject.txt", context)
    text = render_to_string(f"notifications/{template}.txt", context)
    html = render_to_string(f"notifications/{template}.html", context)
    return " ".join(subject.split()), text, html


def send_email(*, to: str, template: str, context: dict) -> None:
    subject, text, html = render_email(template, context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    message.send()


def send_email_after_commit(*, to: str, template: str, context: dict) -> None:
    """Mail once the transaction commits. A mail server that fails is logged, not raised: what
    was saved stays saved, and every such mail can be asked for again (resend, re-invite)."""

    def send():
        try:
            send_email(to=to, template=template, context=context)
        except Exception as exc:
            logger.error("mail %s not sent: %s", template, type(exc).__name__)

    transaction.on_commit(send)
