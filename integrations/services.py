"""Integration state changes: create, update, delete, and the test send.

Each URL is built and checked by the network guard (which may resolve a host name) before
the transaction starts, so no database lock is held while DNS answers.
"""

import re
from collections.abc import Mapping
from uuid import uuid4

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.models import Delivery

from .guard import GuardError, check_url
from .kinds import KINDS, ConfigError, build_url
from .models import Integration
from .sending import SendResult, send_to_url

_TAG = re.compile(r"[a-z0-9_-]*")
_DUPLICATE = "You already have an integration with this name and tag."


class IntegrationInvalid(Exception):
    """Input refused; `errors` is shaped like DRF's: {"name": [..]}, {"config": {"token": [..]}}."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors

    def messages(self) -> list[str]:
        """Every message, prefixed with the field it is about."""
        return list(_flatten(self.errors, ""))


def integration_create(
    *,
    user,
    name: str,
    kind: str,
    tag: str = "",
    config: Mapping | None = None,
    url: str | None = None,
    is_active: bool = True,
) -> Integration:
    """Create a channel from a kind's typed config (or, for "custom", a raw Apprise URL)."""
    errors: dict = {}
    name = _collect(errors, _clean_name, name)
    tag = _collect(errors, _clean_tag, tag)
    apprise_url = _collect(errors, _apprise_url, kind, config, url)
    if errors:
        raise IntegrationInvalid(errors)
    integration = Integration(
        user=user, name=name, kind=kind, tag=tag, is_active=is_active, apprise_url=apprise_url
    )
    _save(integration)
    return integration


def integration_update(
    *,
    integration: Integration,
    name: str | None = None,
    tag: str | None = None,
    is_active: bool | None = None,
    kind: str | None = None,
    config: Mapping | None = None,
    url: str | None = None,
) -> Integration:
    """Change what is given; a new config (or URL) replaces the old one whole and is re-guarded."""
    errors: dict = {}
    changes: dict = {}
    if name is not None:
        changes["name"] = _collect(errors, _clean_name, name)
    if tag is not None:
        changes["tag"] = _collect(errors, _clean_tag, tag)
    if is_active is not None:
        changes["is_active"] = is_active
    if config is not None or url is not None:
        new_kind = kind or integration.kind
        changes["apprise_url"] = _collect(errors, _apprise_url, new_kind, config, url)
        changes["kind"] = new_kind
    elif kind is not None and kind != integration.kind:
        errors["config"] = ["A new kind needs its config."]
    if errors:
        raise IntegrationInvalid(errors)
    for field, value in changes.items():
        setattr(integration, field, value)
    try:
        # masked_url is recomputed by Integration.save() from the (new or current) URL.
        _save(integration, update_fields=[*changes, "masked_url", "updated_at"])
    except IntegrationInvalid:
        integration.refresh_from_db()  # leave the caller's instance as it is stored
        raise
    return integration


@transaction.atomic
def integration_delete(*, integration: Integration) -> None:
    # The ledger keeps its rows (Delivery.integration is SET_NULL); subscriptions lose the link.
    integration.delete()


def integration_send_test(*, integration: Integration) -> SendResult:
    """Send a test message to this one channel now, and record it in the delivery ledger."""
    context = {"integration": integration}
    title = " ".join(render_to_string("integrations/test_title.txt", context).split())
    body = render_to_string("integrations/test_body.txt", context).strip()
    # Written before sending (and outside any transaction) so the attempt is on record
    # even if the process dies during the send.
    delivery = Delivery.objects.create(
        idempotency_key=f"test:{integration.pk}:{uuid4().hex}",
        kind=Delivery.Kind.TEST,
        recipient_id=integration.user_id,
        integration=integration,
        destination=integration.masked_url[:300],
        subject=title[:300],
    )
    result = send_to_url(integration.apprise_url, title=title, body=body, level="info")
    delivery.status = Delivery.Status.SENT if result.ok else Delivery.Status.FAILED
    delivery.attempts = 1
    delivery.last_error = result.reason
    delivery.sent_at = timezone.now() if result.ok else None
    delivery.save(update_fields=["status", "attempts", "last_error", "sent_at", "updated_at"])
    return result


def _apprise_url(kind: str, config: Mapping | None, url: str | None) -> str:
    """The kind's Apprise URL from its config, checked by the guard; errors name the field."""
    if kind not in KINDS:
        raise IntegrationInvalid({"kind": [f"Choose one of: {', '.join(KINDS)}."]})
    raw_url = kind == "custom" and url is not None
    if url is not None and not raw_url:
        raise IntegrationInvalid({"url": ["Only custom integrations take a URL; use config."]})
    if raw_url:
        config = {"url": url}
    if config is None:
        raise IntegrationInvalid({"url" if kind == "custom" else "config": ["This is required."]})
    if not isinstance(config, Mapping):
        raise IntegrationInvalid({"config": ["Expected an object of this kind's fields."]})

    def refused(errors: dict) -> IntegrationInvalid:
        return IntegrationInvalid({"url": errors["url"]} if raw_url else {"config": errors})

    try:
        built = build_url(kind, config)
        check_url(built)
    except ConfigError as exc:
        raise refused(exc.errors) from None
    except GuardError as exc:
        raise refused({KINDS[kind].url_field: [exc.reason]}) from None
    return built


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise IntegrationInvalid({"name": ["This field may not be blank."]})
    if len(name) > 100:
        raise IntegrationInvalid({"name": ["At most 100 characters."]})
    return name


def _clean_tag(tag: str) -> str:
    tag = (tag or "").strip().lower()
    if len(tag) > 50 or not _TAG.fullmatch(tag):
        raise IntegrationInvalid({"tag": ["Up to 50 letters, digits, hyphens and underscores."]})
    return tag


def _collect(errors: dict, clean, *args):
    """Run one cleaner, collecting its errors so one answer lists every problem."""
    try:
        return clean(*args)
    except IntegrationInvalid as exc:
        errors.update(exc.errors)
        return None


def _save(integration: Integration, update_fields: list[str] | None = None) -> None:
    others = Integration.objects.filter(
        user_id=integration.user_id, name=integration.name, tag=integration.tag
    ).exclude(pk=integration.pk)
    if others.exists():
        raise IntegrationInvalid({"name": [_DUPLICATE]})
    try:
        with transaction.atomic():
            integration.save(update_fields=update_fields)
    except IntegrityError:
        # A concurrent request took the name between the check and the save.
        raise IntegrationInvalid({"name": [_DUPLICATE]}) from None


def _flatten(errors, prefix: str):
    if isinstance(errors, Mapping):
        for key, value in errors.items():
            yield from _flatten(value, f"{prefix}.{key}" if prefix else str(key))
    else:
        for message in errors:
            yield f"{prefix}: {message}" if prefix else message
