"""Forms of the event pages: browse filters, event editing, subscribing, announcing, inviting."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from soonish.fields import TAG_RE, localize
from soonish.timezones import time_zone_names
from subscriptions.forms import UNITS, collect_offsets, preset_choices
from subscriptions.models import DEFAULT_REMINDER_OFFSETS

from .models import Announcement, Event

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
MAX_TAGS = 20


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=DATETIME_LOCAL, **kwargs)


class WallClockField(forms.DateTimeField):
    """A naive date-time from <input type=datetime-local>, left naive for the form to place
    in the event's zone (Django's own field would place it in the server's)."""

    widget = DateTimeLocalInput
    input_formats = [DATETIME_LOCAL, "%Y-%m-%dT%H:%M:%S"]

    def to_python(self, value):
        value = value.strip() if isinstance(value, str) else value
        if value in self.empty_values:
            return None
        for fmt in self.input_formats:
            try:
                return datetime.strptime(value, fmt)
            except (TypeError, ValueError):
                continue
        raise ValidationError(self.error_messages["invalid"], code="invalid")


def wall_clock_field(**kwargs) -> WallClockField:
    return WallClockField(**kwargs)


def naive_local(value: datetime | None, time_zone: str) -> datetime | None:
    """An instant as the wall-clock time an <input type=datetime-local> shows in `time_zone`."""
    if value is None:
        return None
    return value.astimezone(ZoneInfo(time_zone)).replace(tzinfo=None, second=0, microsecond=0)


# --- browsing --------------------------------------------------------------------------------


class EventFilterForm(forms.Form):
    """GET filters of the event list; dates are whole days in the viewer's time zone."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    tag = forms.CharField(required=False, max_length=50)

    def __init__(self, *args, time_zone: str = "UTC", **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        # "from" is a Python keyword, so these two are declared here rather than as attributes.
        date = forms.DateInput(attrs={"type": "date"})
        self.fields["from"] = forms.DateField(required=False, label="From", widget=date)
        self.fields["to"] = forms.DateField(required=False, label="To", widget=date)

    def clean(self):
        data = super().clean()
        if data.get("from") and data.get("to") and data["to"] < data["from"]:
            self.add_error("to", "The end of the range must not be before its start.")
        return data

    def search_arguments(self) -> dict:
        """Keyword arguments for events.selectors.events_search."""
        data, zone = self.cleaned_data, ZoneInfo(self.time_zone)
        arguments = {"q": data.get("q", "").strip(), "tag": data.get("tag", "").strip()}
        if data.get("from"):
            arguments["starts_after"] = datetime.combine(data["from"], time.min, zone)
        if data.get("to"):
            # Inclusive: everything that starts on the last day of the range.
            arguments["starts_before"] = datetime.combine(data["to"], time.max, zone)
        return arguments


# --- organizing ------------------------------------------------------------------------------


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(time_zone_names())]


class EventForm(forms.Form):
    """Create or edit an event; the naive start and end are read in the chosen time zone."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    start = wall_clock_field(help_text="In the event's time zone.")
    end = wall_clock_field(required=False, help_text="Optional; not before the start.")
    time_zone = forms.ChoiceField(choices=time_zone_choices)
    location = forms.CharField(required=False, max_length=300)
    is_public = forms.BooleanField(
        required=False,
        initial=True,
        label="Public",
        help_text="Anyone can find and follow it. Private events are for the people you invite.",
    )
    tags = forms.CharField(
        required=False, max_length=1000, help_text="Comma-separated, e.g. music, outdoors."
    )

    def __init__(self, *args, instance: Event | None = None, **kwargs):
        self.instance = instance
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": instance.name,
                "description": instance.description,
                "start": naive_local(instance.start, instance.time_zone),
                "end": naive_local(instance.end, instance.time_zone),
                "time_zone": instance.time_zone,
                "location": instance.location,
                "is_public": instance.is_public,
                "tags": ", ".join(instance.tags),
            }
        super().__init__(*args, **kwargs)

    def clean_tags(self) -> list[str]:
        raw = self.cleaned_data["tags"].replace("\n", ",")
        tags = list(dict.fromkeys(t.strip().lower() for t in raw.split(",") if t.strip()))
        bad = [t for t in tags if not TAG_RE.match(t)]
        if bad:
            raise ValidationError(
                f"Tags are letters, digits, '-' and '_' (up to 50): {', '.join(bad)}"
            )
        if len(tags) > MAX_TAGS:
            raise ValidationError(f"At most {MAX_TAGS} tags.")
        return tags

    def _placed(self, name: str, zone: str):
        value = localize(self.cleaned_data.get(name), zone)
        current = getattr(self.instance, name, None)
        # Inputs show minutes: an untouched field must not shift a stored time by its seconds.
        if value and current and naive_local(current, zone) == naive_local(value, zone):
            return current
        return value

    def clean(self):
        data = super().clean()
        zone = data.get("time_zone")
        if not zone:
            return data
        for name in ("start", "end"):
            if data.get(name):
                data[name] = self._placed(name, zone)
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", "The end must not be before the start.")
        if self.instance is None and start and start < timezone.now():
            self.add_error("start", "The start must be in the future.")
        return data


class AnnouncementForm(forms.Form):
    title = forms.CharField(max_length=200)
    body = forms.CharField(max_length=5000, widget=forms.Textarea(attrs={"rows": 5}))
    level = forms.ChoiceField(choices=Announcement.Level.choices, initial="info")
    send_at = wall_clock_field(
        required=False, label="Send at", help_text="Leave empty to send now."
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["send_at"].help_text = f"In {event.time_zone}. Leave empty to send now."

    def clean_send_at(self):
        send_at = localize(self.cleaned_data.get("send_at"), self.event.time_zone)
        if send_at is not None and send_at <= timezone.now():
            raise ValidationError("Leave empty to send now, or give a future time.")
        return send_at


class InvitationForm(forms.Form):
    email = forms.EmailField(max_length=254, label="Email address")


# --- subscribing -----------------------------------------------------------------------------


class ReminderFields(forms.Form):
    """Reminder choices: presets ("1 day" and "1 hour" pre-selected) and one custom time."""

    reminders = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        choices=preset_choices(),
        initial=list(DEFAULT_REMINDER_OFFSETS),
        widget=forms.CheckboxSelectMultiple,
        label="Remind me",
    )
    custom_amount = forms.IntegerField(required=False, min_value=1, max_value=9999, label="Other")
    custom_unit = forms.ChoiceField(
        required=False, choices=[(u, u) for u in UNITS], initial="minutes", label="Unit"
    )

    def clean(self):
        data = super().clean()
        collect_offsets(self, data, ticked="reminders")
        return data


class EmailSubscribeForm(ReminderFields):
    email = forms.EmailField(max_length=254, label="Your email")
    name = forms.CharField(required=False, max_length=150, label="Your name (optional)")

    field_order = ["email", "name", "reminders", "custom_amount", "custom_unit"]


class ChannelSubscribeForm(ReminderFields):
    """Signed in: which of my active channels (none → my email), and when to remind me."""

    channels = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Send to",
        help_text="None chosen: we email you.",
    )

    field_order = ["channels", "reminders", "custom_amount", "custom_unit"]

    def __init__(self, *args, integrations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channels"].choices = [
            (i.pk, f"{i.name} ({i.get_kind_display()})") for i in integrations if i.is_active
        ]
