"""Events and the invitations that open private events to an address."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower

from soonish.models import TimeStamped
from soonish.timezones import validate_time_zone


class Event(TimeStamped):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled"
        CANCELLED = "cancelled"
        FINISHED = "finished"

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    location = models.CharField(max_length=300, blank=True)
    is_public = models.BooleanField(default=True)
    # Lower-cased slugs; stored as a JSON list so SQLite and PostgreSQL share one schema.
    tags = models.JSONField(default=list, blank=True)
    organizer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="organized_events"
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.SCHEDULED, db_index=True
    )
    revision = models.PositiveIntegerField(
        default=1, help_text="Bumped on every change subscribers are told about."
    )
    workflow_id = models.CharField(max_length=100, blank=True, editable=False)
    recurrence = models.CharField(
        max_length=500, blank=True, help_text="Optional RFC 5545 RRULE for a recurring series."
    )

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="events_event_end_after_start",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="events_event_revision_pos"),
        ]
        indexes = [models.Index(fields=["is_public", "status", "start"])]

    def __str__(self):
        return self.name


class Invitation(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accepted_invitations",
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                "event", Lower("email"), name="events_invitation_event_email_unique"
            ),
        ]

    def __str__(self):
        return f"{self.email} → {self.event}"


class EventChange(models.Model):
    """What subscribers are told about, one row per revision: the outbox of broadcasts.

    Written in the same transaction as the change itself; the event's workflow reads the
    rows after the last revision it handled, so a lost signal delays a notice, never loses it.
    """

    class Kind(models.TextChoices):
        UPDATE = "update"
        CANCEL = "cancel"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="changes")
    revision = models.PositiveIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    # [{"field", "old", "new"}], values as JSON (datetimes ISO 8601 in UTC).
    changes = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "revision"], name="events_change_revision_unique"
            ),
        ]

    def __str__(self):
        return f"{self.event} r{self.revision} {self.kind}"


class Announcement(models.Model):
    """An organizer's message to every subscriber: now, or at `send_at`."""

    class Level(models.TextChoices):
        INFO = "info"
        WARNING = "warning"
        CRITICAL = "critical"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="announcements")
    title = models.CharField(max_length=200)
    body = models.TextField(max_length=5000)
    level = models.CharField(max_length=8, choices=Level.choices, default=Level.INFO)
    send_at = models.DateTimeField(null=True, blank=True, help_text="Empty: send now.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by the event's workflow when it starts the notice.
    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title
