"""IANA time zone names and their validation."""

import zoneinfo
from functools import cache

from django.core.exceptions import ValidationError


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in time_zone_names():
        raise ValidationError(f"“{value}” is not a known IANA time zone (e.g. Europe/Paris).")
