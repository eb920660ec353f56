"""Reminder choices shared by every page that sets them (subscribe, dashboard)."""

from django.core.exceptions import ValidationError

from notifications.messages import humanize_offset

from .offsets import clean_offsets

# Offered as ticks, largest first; "1 day" and "1 hour" are the defaults.
PRESETS = (604800, 86400, 10800, 3600, 1800, 600)
UNITS = {"minutes": 60, "hours": 3600, "days": 86400, "weeks": 604800}


def preset_choices(also=()) -> list[tuple[int, str]]:
    """The presets plus any other offsets already in use, as (seconds, "1 day before")."""
    offered = sorted(set(PRESETS) | set(also), reverse=True)
    return [(seconds, f"{humanize_offset(seconds)} before") for seconds in offered]


def collect_offsets(form, data: dict, *, ticked: str) -> None:
    """Ticked presets + the custom time → data["reminder_offsets"], or an error on `ticked`."""
    offsets = list(data.get(ticked) or [])
    if data.get("custom_amount") is not None:
        offsets.append(data["custom_amount"] * UNITS.get(data.get("custom_unit") or "", 60))
    try:
        data["reminder_offsets"] = clean_offsets(offsets)
    except ValidationError as exc:
        form.add_error(ticked, exc.messages)
