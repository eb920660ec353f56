"""Who follows an event, where their notifications go, and when they want reminders."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q

from soonish.models import TimeStamped

DEFAULT_REMINDER_OFFSETS = (86400, 3600)
MAX_REMINDER_OFFSETS = 10
# An email-only subscription not confirmed within this time (since its last confirmation
# email) is deleted; its confirmation link stops working at the same age.
UNCONFIRMED_LIFETIME = timedelta(days=7)


class Subscription(TimeStamped):
    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="subscriptions"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    # Selectors: explicit integrations and/or tags matched against the owner's integrations.
    integrations = models.ManyToManyField(
        "integrations.Integration", blank=True, related_name="subscriptions"
    )
    tags = models.JSONField(default=list, blank=True)
    # Email-only subscribers confirm by following a link (double opt-in); until then
    # nothing but the confirmation is sent. Signed-in subscribers are confirmed at once.
    confirmed_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "user"], name="subscriptions_event_user_unique"
            ),
        ]

    def __str__(self):
        return f"{self.user} → {self.event}"

    @property
    def reminder_offsets(self) -> list[int]:
        return sorted((r.offset_seconds for r in self.reminders.all()), reverse=True)


class ReminderOffset(models.Model):
    """One reminder time of a subscription, in seconds before the event starts.

    A row per offset (not a JSON list) so "everyone reminded 1 hour before event E" is an
    indexed query on both PostgreSQL and SQLite.
    """

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="reminders"
    )
    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="+")
    offset_seconds = models.PositiveIntegerField()

    class Meta:
        ordering = ["-offset_seconds"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "offset_seconds"], name="subscriptions_offset_unique"
            ),
            models.CheckConstraint(
                condition=Q(offset_seconds__gt=0), name="subscriptions_offset_positive"
            ),
        ]
        indexes = [models.Index(fields=["event", "offset_seconds", "subscription"])]

    def __str__(self):
        return f"{self.offset_seconds}s before"


class UnsubscribeToken(models.Model):
    """The state of one-click unsubscribe links: single use, expires after 60 days.

    The link carries this row's id signed with SECRET_KEY (subscriptions.tokens), so one row
    serves every notification sent while it has more than REUSE_DAYS_LEFT to live, and the
    fan-out issues links for a whole batch with one query.
    """

    LIFETIME_DAYS = 60
    REUSE_DAYS_LEFT = 30

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="unsubscribe_tokens"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"unsubscribe token for subscription {self.subscription_id}"
