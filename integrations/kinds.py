"""The kinds of integration: their typed fields, and how a valid config becomes an Apprise URL."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qsl, quote, urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import validate_email


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str  # string, url, secret, email, choice
    required: bool = True
    help: str = ""
    choices: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    fields: tuple[Field, ...]
    build: Callable[[dict[str, str]], str]
    # The field a refusal of the built URL (by Apprise or the network guard) is reported on.
    url_field: str


class ConfigError(Exception):
    """Config refused: `errors` maps each config field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def build_url(kind: str, config: Mapping) -> str:
    """Validate `config` against the kind's fields and return its Apprise URL."""
    spec = KINDS[kind]
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    known = {field.name for field in spec.fields}
    for name in config:
        if name not in known:
            errors[str(name)] = [f"Unknown field; {spec.label} takes: {', '.join(sorted(known))}."]
    for field in spec.fields:
        try:
            value = _clean(field, config.get(field.name))
        except ConfigError as exc:
            errors[field.name] = exc.errors[""]
            continue
        if value:
            values[field.name] = value
    if errors:
        raise ConfigError(errors)
    return spec.build(values)


def _clean(field: Field, value) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # a chat id or priority sent as a JSON number
    if value is not None and not isinstance(value, str):
        raise ConfigError({"": ["Must be a string."]})
    value = (value or "").strip() or (field.default or "")
    if not value:
        if field.required:
            raise ConfigError({"": ["This field is required."]})
        return ""
    if len(value) > 2000:
        raise ConfigError({"": ["At most 2000 characters."]})
    if field.type == "email":
        try:
            validate_email(value)
        except ValidationError:
            raise ConfigError({"": ["Enter a valid email address."]}) from None
    if field.type == "choice" and value not in field.choices:
        raise ConfigError({"": [f"Choose one of: {', '.join(field.choices)}."]})
    if field.type == "url":
        _web_url(value)
    return value


def _fail(field: str, message: str):
    raise ConfigError({field: [message]})


def _web_url(value: str) -> SplitResult:
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise ConfigError({"": ["Enter a valid http:// or https:// URL."]}) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ConfigError({"": ["Enter a valid http:// or https:// URL."]})
    return parts


def _netloc(parts: SplitResult, *, credentials: bool = False) -> str:
    """host[:port] (IPv6 in brackets), with the URL's user:password@ when asked for."""
    host = parts.hostname
    netloc = f"[{host}]" if ":" in host else host
    if parts.port:
        netloc += f":{parts.port}"
    if credentials and parts.username:
        auth = quote(parts.username, safe="")
        if parts.password:
            auth += ":" + quote(parts.password, safe="")
        netloc = f"{auth}@{netloc}"
    return netloc


def _secure(parts: SplitResult) -> str:
    return "s" if parts.scheme.lower() == "https" else ""


def _gotify(c: dict[str, str]) -> str:
    parts = urlsplit(c["server_url"])
    if parts.username or parts.query:
        _fail("server_url", "Give the server's address only, without credentials or a query.")
    path = parts.path.rstrip("/")
    url = f"gotify{_secure(parts)}://{_netloc(parts)}{path}/{quote(c['token'], safe='')}"
    return f"{url}?priority={c['priority']}" if "priority" in c else url


def _ntfy(c: dict[str, str]) -> str:
    parts = urlsplit(c["server_url"])
    if parts.username or parts.query or parts.path.strip("/"):
        _fail("server_url", "Give the server's address only (no path, credentials or query).")
    if not re.fullmatch(r"[\w-]{1,64}", c["topic"]):
        _fail("topic", "Up to 64 letters, digits, hyphens and underscores.")
    if ("username" in c) != ("password" in c):
        _fail("password" if "username" in c else "username", "Give both username and password.")
    if "token" in c and "username" in c:
        _fail("token", "Use either an access token or a username and password, not both.")
    topic = quote(c["topic"], safe="")
    if parts.hostname == "ntfy.sh" and not parts.port and not ("token" in c or "username" in c):
        return f"ntfys://{topic}"  # Apprise's cloud mode: always https://ntfy.sh
    auth = ""
    if "username" in c:
        auth = f"{quote(c['username'], safe='')}:{quote(c['password'], safe='')}@"
    url = f"ntfy{_secure(parts)}://{auth}{_netloc(parts)}/{topic}"
    return f"{url}?token={quote(c['token'], safe='')}" if "token" in c else url


def _email(c: dict[str, str]) -> str:
    local, domain = c["address"].rsplit("@", 1)
    return f"mailto:{local}@{domain.lower()}"


_DISCORD_HOSTS = {"discord.com", "discordapp.com", "ptb.discord.com", "canary.discord.com"}
_DISCORD = re.compile(r"/api(?:/v\d+)?/webhooks/(?P<id>\d+)/(?P<token>[\w-]+)/?")


def _discord(c: dict[str, str]) -> str:
    parts = urlsplit(c["webhook_url"])
    match = _DISCORD.fullmatch(parts.path)
    if parts.scheme != "https" or parts.hostname not in _DISCORD_HOSTS or not match:
        _fail("webhook_url", "Expected https://discord.com/api/webhooks/<id>/<token>.")
    return f"discord://{match['id']}/{match['token']}"


_SLACK = re.compile(r"/services/(?P<a>\w+)/(?P<b>\w+)/(?P<c>\w+)/?")


def _slack(c: dict[str, str]) -> str:
    parts = urlsplit(c["webhook_url"])
    match = _SLACK.fullmatch(parts.path)
    if parts.scheme != "https" or parts.hostname != "hooks.slack.com" or not match:
        _fail("webhook_url", "Expected https://hooks.slack.com/services/<A>/<B>/<C>.")
    return f"slack://{match['a']}/{match['b']}/{match['c']}"


def _telegram(c: dict[str, str]) -> str:
    if not re.fullmatch(r"\d+:[\w-]+", c["bot_token"]):
        _fail("bot_token", "Expected the token BotFather gave, like 123456:ABC-def.")
    if not re.fullmatch(r"-?\d+|@\w{4,}", c["chat_id"]):
        _fail("chat_id", "Expected a numeric chat id or an @channel name.")
    return f"tgram://{c['bot_token']}/{c['chat_id']}"


def _webhook(c: dict[str, str]) -> str:
    parts = urlsplit(c["url"])
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    # The webhook's own query string stays: Apprise sends "-name=value" args as query params.
    args = [("method", c["method"])]
    args += [(f"-{name}", value) for name, value in parse_qsl(parts.query, keep_blank_values=True)]
    query = "&".join(f"{quote(name, safe='-')}={quote(value, safe='')}" for name, value in args)
    return f"json{_secure(parts)}://{_netloc(parts, credentials=True)}{path or '/'}?{query}"


def _custom(c: dict[str, str]) -> str:
    return c["url"]


_SERVER = "The server's address, e.g. https://gotify.example.com (a port or path is fine)."
KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in [
        Kind(
            "gotify",
            "Gotify",
            (
                Field("server_url", "Server URL", "url", help=_SERVER),
                Field("token", "Application token", "secret", help="The app's token."),
                Field(
                    "priority",
                    "Priority",
                    "choice",
                    required=False,
                    choices=("low", "moderate", "normal", "high", "emergency"),
                ),
            ),
            _gotify,
            url_field="server_url",
        ),
        Kind(
            "ntfy",
            "ntfy",
            (
                Field(
                    "server_url",
                    "Server URL",
                    "url",
                    required=False,
                    default="https://ntfy.sh",
                    help="Leave empty for ntfy.sh; or your own server, e.g. https://ntfy.example.com.",
                ),
                Field("topic", "Topic", "string", help="The topic to publish to."),
                Field("username", "Username", "string", required=False),
                Field("password", "Password", "secret", required=False),
                Field(
                    "token",
                    "Access token",
                    "secret",
                    required=False,
                    help="Instead of a username and password.",
                ),
            ),
            _ntfy,
            url_field="server_url",
        ),
        Kind(
            "email",
            "Email",
            (Field("address", "Email address", "email", help="Sent by Soonish's own mail."),),
            _email,
            url_field="address",
        ),
        Kind(
            "discord",
            "Discord",
            (
                Field(
                    "webhook_url",
                    "Webhook URL",
                    "secret",
                    help="Channel settings → Integrations → Webhooks → Copy Webhook URL.",
                ),
            ),
            _discord,
            url_field="webhook_url",
        ),
        Kind(
            "slack",
            "Slack",
            (
                Field(
                    "webhook_url",
                    "Webhook URL",
                    "secret",
                    help="An incoming webhook: https://hooks.slack.com/services/….",
                ),
            ),
            _slack,
            url_field="webhook_url",
        ),
        Kind(
            "telegram",
            "Telegram",
            (
                Field("bot_token", "Bot token", "secret", help="From @BotFather."),
                Field("chat_id", "Chat ID", "string", help="A numeric chat id or @channel."),
            ),
            _telegram,
            url_field="bot_token",
        ),
        Kind(
            "webhook",
            "Webhook (JSON)",
            (
                Field("url", "URL", "url", help="Receives a JSON body: title, message, type."),
                Field(
                    "method",
                    "HTTP method",
                    "choice",
                    required=False,
                    choices=("POST", "PUT", "PATCH"),
                    default="POST",
                ),
            ),
            _webhook,
            url_field="url",
        ),
        Kind(
            "custom",
            "Custom Apprise URL",
            (
                Field(
                    "url",
                    "Apprise URL",
                    "secret",
                    help="Any Apprise URL, e.g. pover://user@token. See Apprise's docs.",
                ),
            ),
            _custom,
            url_field="url",
        ),
    ]
}
# (name, label): the API's choices, named IntegrationKindEnum in its schema (see settings).
CHOICES = [(kind.name, kind.label) for kind in KINDS.values()]
