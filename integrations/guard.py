"""The network guard: which Apprise URLs Soonish may send to, checked at save and at send time.

Two layers. `check_url` refuses, before anything is stored or sent, local-machine plugins
and user-chosen hosts that resolve to non-public addresses. `guarded()` then checks every
address the sending thread resolves while Apprise runs, so a redirect or a DNS answer that
changed since the check (rebinding) cannot reach a private address either. For that to
hold, sends open their connections themselves: HTTP requests made inside `guarded()` ignore
the proxy settings of the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) and `.netrc`,
because through a proxy it is the proxy that resolves and connects to the target.
"""

import functools
import ipaddress
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import apprise
import requests
from apprise.manager_plugins import NotificationManager
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Plugins that notify this machine (its log, its desktop, a USB light), not a network service.
LOCAL_SCHEMES = frozenset(
    {"syslog", "dbus", "kde", "qt", "glib", "gio", "gnome", "macosx", "windows", "blink1"}
)
_LOCAL_PLUGINS = frozenset(
    {
        "NotifySyslog",
        "NotifyDBus",
        "NotifyGLib",
        "NotifyGnome",
        "NotifyMacOSX",
        "NotifyWindows",
        "NotifyBlink1",
    }
)
# NAT64 prefixes (RFC 6052 well-known, RFC 8215 local use): the last 32 bits are an IPv4 host.
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
# `mailto:<address>` (no "//") is Soonish's own pseudo-URL: send through the service's mail.
_SERVICE_EMAIL = re.compile(r"^mailto:(?!//)(?P<address>[^\s/?#]+@[^\s/?#]+)$", re.IGNORECASE)
_REFUSED = "Soonish only sends to public addresses unless the operator has allowed that network."


class GuardError(Exception):
    """A URL or address the guard refuses; `reason` is safe to show (it names no secret)."""

    def __init__(self, reason: str, *, transient: bool = False):
        super().__init__(reason)
        self.reason = reason
        # True when the refusal may go away by itself (a DNS failure), so a send may retry.
        self.transient = transient


class BlockedAddress(GuardError, OSError):
    """Raised from getaddrinfo inside `guarded()`; an OSError so HTTP and SMTP clients
    report it as a failed connection instead of crashing."""


def service_email_address(url: str | None) -> str | None:
    """The address of a `mailto:<address>` pseudo-URL, or None for anything else."""
    match = _SERVICE_EMAIL.match(url or "")
    return match["address"] if match else None


def check_url(url: str) -> None:
    """Raise GuardError unless Soonish may send to this Apprise URL."""
    load(url)


def load(url: str, *, asset: apprise.AppriseAsset | None = None):
    """Check the URL like `check_url` and return its Apprise plugin (None for service email)."""
    address = service_email_address(url)
    if address is not None:
        try:
            validate_email(address)
        except ValidationError:
            raise GuardError("This is not a valid email address.") from None
        return None
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not re.fullmatch(r"[a-z][a-z0-9+.-]{0,31}", scheme):
        raise GuardError("This is not an Apprise URL: it should look like scheme://…")
    if scheme in LOCAL_SCHEMES:
        raise GuardError(f"{scheme}:// notifies this machine, not a network service.")
    plugin = apprise.Apprise.instantiate(url, asset=asset)
    if plugin is None:
        if scheme not in _known_schemes():
            raise GuardError(f"Apprise has no service with the scheme {scheme}://.")
        raise GuardError(f"This is not a valid {scheme}:// URL; check it against Apprise's docs.")
    if type(plugin).__name__ in _LOCAL_PLUGINS:
        raise GuardError(f"{scheme}:// notifies this machine, not a network service.")
    host = _chosen_host(plugin)
    if host:
        check_host(host, port=plugin.port if isinstance(plugin.port, int) else None)
    return plugin


def check_host(host: str, *, port: int | None = None) -> None:
    """Resolve the host and refuse it if any address it resolves to is not allowed."""
    host = host.strip("[]")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise GuardError(f"The host {host} cannot be resolved.", transient=True) from None
    for *_, sockaddr in infos:
        problem = address_problem(sockaddr[0])
        if problem:
            raise GuardError(_describe(host, sockaddr[0], problem))


def address_problem(address: str) -> str | None:
    """Why an address may not be contacted ("a loopback address"), or None if it may."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    allowed = _allowed_networks(tuple(settings.SOONISH_ALLOWED_PRIVATE_NETWORKS))
    if any(ip in network for network in allowed if network.version == ip.version):
        return None
    # A wrapped IPv4 address (::ffff:a.b.c.d, 6to4, NAT64) is reached at the IPv4 address.
    for candidate in _embedded_ipv4(ip) or [ip]:
        if any(candidate in network for network in allowed if network.version == 4):
            continue
        problem = _category(candidate)
        if problem:
            return problem if candidate is ip else f"a wrapped form of {problem}"
    return None


@dataclass
class GuardedSend:
    """What `guarded()` saw: the first address it refused, as a safe reason."""

    refused: str | None = None


_local = threading.local()
_install_lock = threading.Lock()


@contextmanager
def guarded() -> Iterator[GuardedSend]:
    """Within the block, in this thread only, refuse connections to addresses not allowed."""
    _install()
    outer = getattr(_local, "session", None)
    session = outer or GuardedSend()
    _local.session = session
    try:
        yield session
    finally:
        _local.session = outer


def _install() -> None:
    # Wrap socket.getaddrinfo and requests.Session once, process-wide; outside guarded() the
    # wrappers only pass through, so other threads (and this one, outside a send) see no
    # difference.
    with _install_lock:
        if getattr(socket.getaddrinfo, "_soonish_guard", False):
            return
        _install_session_wrapper()
        inner = socket.getaddrinfo

        @functools.wraps(inner)
        def getaddrinfo(host, port, *args, **kwargs):
            infos = inner(host, port, *args, **kwargs)
            session = getattr(_local, "session", None)
            if session is not None:
                for *_, sockaddr in infos:
                    problem = address_problem(sockaddr[0])
                    if problem:
                        name = host.decode() if isinstance(host, bytes) else str(host)
                        reason = _describe(name.strip("[]"), sockaddr[0], problem)
                        session.refused = session.refused or reason
                        raise BlockedAddress(reason)
            return infos

        getaddrinfo._soonish_guard = True
        socket.getaddrinfo = getaddrinfo


def _install_session_wrapper() -> None:
    inner = requests.Session.__init__

    @functools.wraps(inner)
    def __init__(self, *args, **kwargs):
        inner(self, *args, **kwargs)
        if getattr(_local, "session", None) is not None:
            # No proxy from the environment (nor credentials from .netrc): the guard can only
            # vouch for connections this process opens to the addresses it resolved.
            self.trust_env = False

    requests.Session.__init__ = __init__


def _describe(host: str, address: str, problem: str) -> str:
    if host == address:
        return f"The host {host} is {problem}; {_REFUSED}"
    return f"The host {host} resolves to {address}, {problem}; {_REFUSED}"


def _category(ip: IPAddress) -> str | None:
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:
        return "a reserved address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "not a public address"
    return None


def _embedded_ipv4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    if ip.version != 6:
        return []
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if any(ip in network for network in _NAT64) or 1 < int(ip) <= 0xFFFFFFFF:
        # NAT64, or the deprecated IPv4-compatible form ::a.b.c.d.
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    return []


@functools.lru_cache(maxsize=8)
def _allowed_networks(cidrs: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs if cidr)


def _chosen_host(plugin) -> str | None:
    """The host the URL's author chose, which the guard resolves; None for fixed-host plugins."""
    if not any("{host}" in template for template in getattr(plugin, "templates", ())):
        return None
    if getattr(plugin, "mode", None) == "cloud" and type(plugin).__name__ == "NotifyNtfy":
        return None  # ntfy's cloud mode always posts to ntfy.sh; its "host" is a topic
    # Email: the SMTP server is contacted, not the domain of the address.
    return getattr(plugin, "smtp_host", None) or plugin.host or None


@functools.cache
def _known_schemes() -> frozenset[str]:
    return frozenset(NotificationManager().schemas())
