"""The delivery ledger: what was (or will be) sent, to whom, through which channel."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from soonish.models import TimeStamped


class Delivery(TimeStamped):
    class Kind(models.TextChoices):
        UPDATE = "update"
        CANCEL = "cancel"
        REMINDER = "reminder"
        ANNOUNCEMENT = "announcement"
        WELCOME = "welcome"
        TEST = "test"

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"
        SKIPPED = "skipped"

    # (notification, subscription, destination): an activity retried by Temporal finds
    # its own row here and never sends twice.
    idempotency_key = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=14, choices=Kind.choices)
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    # Kept when the subscription or channel goes: the ledger outlives them.
    subscription = models.ForeignKey(
        "subscriptions.Subscription",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    integration = models.ForeignKey(
        "integrations.Integration",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    destination = models.CharField(
        max_length=300, help_text="Masked channel URL, or “service email”."
    )
    subject = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, help_text="Redacted: never holds a secret.")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["event", "kind", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="notifications_delivery_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.kind} → {self.destination} ({self.status})"
