"""Serializer fields shared by the apps."""

import re
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .timezones import validate_time_zone

TAG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
# The largest primary key: a larger id in input is refused (400) before it reaches the database,
# where it would overflow (SQLite: a 500).
MAX_ID = 2**63 - 1


class TimeZoneField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        try:
            validate_time_zone(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None
        return value


class WallClockDateTimeField(serializers.DateTimeField):
    """Accepts an offset-aware date-time, or a naive one left naive for the caller to place
    in the right zone (an event's own time zone, not the server's)."""

    def enforce_timezone(self, value):
        return value


def localize(value, time_zone: str):
    """Aware datetimes pass through; naive ones are read as wall-clock time in `time_zone`."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=ZoneInfo(time_zone))


class TagListField(serializers.ListField):
    """Tags: lower-cased slugs, no duplicates."""

    child = serializers.CharField(max_length=50)

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        tags = [t.strip().lower() for t in super().to_internal_value(data)]
        bad = [t for t in tags if not TAG_RE.match(t)]
        if bad:
            raise serializers.ValidationError(
                f"Tags are letters, digits, '-' and '_' (up to 50): {', '.join(bad)}"
            )
        return list(dict.fromkeys(tags))
