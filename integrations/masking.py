"""Apprise's privacy-masked form of a URL, the only form anyone is shown, and redaction."""

import re
from urllib.parse import unquote

import apprise

from .guard import service_email_address

# What separates the parts of a URL; a part is secret when the masked form does not show it.
_PARTS = re.compile(r"[/:@?&=#;,\s]+")


def mask_url(url: str | None) -> str:
    """Scheme, host and path with credentials masked by Apprise, token-like path parts
    masked too; query dropped."""
    address = service_email_address(url)
    if address is not None:
        local, domain = address.rsplit("@", 1)
        return f"mailto:{local[:2]}***@{domain}"
    plugin = apprise.Apprise.instantiate(url) if url else None
    if plugin is None:
        scheme = url.split("://", 1)[0] if url and "://" in url else "unknown"
        return f"{scheme[:20]}://…"
    scheme, _, rest = plugin.url(privacy=True).split("?", 1)[0].partition("://")
    netloc, slash, path = rest.partition("/")
    # Apprise shows a webhook's path in full, but many carry their secret there (…/hooks/<id>).
    path = "/".join(_mask_segment(segment) for segment in path.split("/"))
    return f"{scheme}://{netloc}{slash}{path}"


def _mask_segment(segment: str) -> str:
    if len(segment) >= 16 or (len(segment) >= 8 and any(c.isdigit() for c in segment)):
        return f"{segment[0]}...{segment[-1]}"
    return segment


def redact(text: str, url: str | None) -> str:
    """`text` with the URL, and each part of it its masked form hides, replaced."""
    if not text or not url:
        return text
    masked = mask_url(url)
    text = text.replace(url, masked)
    shown = set(_PARTS.split(masked))
    secrets = {part for part in _PARTS.split(url) if len(part) >= 3 and part not in shown}
    secrets |= {unquote(part) for part in secrets}
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text
