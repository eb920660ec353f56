"""Reminder offsets: seconds before the start, each > 0, at most 10, no duplicates."""

from django.core.exceptions import ValidationError

from .models import DEFAULT_REMINDER_OFFSETS, MAX_REMINDER_OFFSETS


def clean_offsets(value) -> list[int]:
    """None means the defaults; [] means no reminders. Returned largest first."""
    if value is None:
        return list(DEFAULT_REMINDER_OFFSETS)
    if not isinstance(value, list | tuple):
        raise ValidationError("A list of seconds before the start, e.g. [86400, 3600].")
    if len(value) > MAX_REMINDER_OFFSETS:
        raise ValidationError(f"At most {MAX_REMINDER_OFFSETS} reminders.")
    if any(isinstance(v, bool) or not isinstance(v, int) for v in value):
        raise ValidationError("Each reminder is a whole number of seconds.")
    if any(v <= 0 for v in value):
        raise ValidationError("Each reminder must be more than 0 seconds before the start.")
    if any(v > 366 * 86400 for v in value):
        raise ValidationError("A reminder can be at most a year before the start.")
    if len(set(value)) != len(value):
        raise ValidationError("The same reminder time is listed twice.")
    return sorted(value, reverse=True)
