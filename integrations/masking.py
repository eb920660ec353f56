"""Apprise's privacy-masked form of a URL, the only form anyone is shown."""

import apprise


def mask_url(url: str | None) -> str:
    """Scheme, host and path with credentials masked by Apprise; query dropped."""
    plugin = apprise.Apprise.instantiate(url) if url else None
    if plugin is None:
        scheme = url.split("://", 1)[0] if url and "://" in url else "unknown"
        return f"{scheme[:20]}://…"
    return plugin.url(privacy=True).split("?", 1)[0]
