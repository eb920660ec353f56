"""A user's delivery channel: an Apprise URL, encrypted at rest, shown only masked."""

from django.conf import settings
from django.db import models

from soonish.models import TimeStamped

from .fields import EncryptedSecretField
from .masking import mask_url


class Integration(TimeStamped):
    class Kind(models.TextChoices):
        GOTIFY = "gotify"
        NTFY = "ntfy"
        EMAIL = "email"
        DISCORD = "discord"
        SLACK = "slack"
        TELEGRAM = "telegram"
        WEBHOOK = "webhook"
        CUSTOM = "custom"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="integrations"
    )
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    tag = models.CharField(max_length=50, blank=True, db_index=True)
    is_active = models.BooleanField(default=True)
    apprise_url = EncryptedSecretField(help_text="Encrypted at rest; never shown.")
    # Apprise's privacy form of the URL (secrets replaced): what people and staff see.
    masked_url = models.CharField(max_length=500, editable=False)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "name", "tag"], name="integrations_user_name_tag_unique"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.kind})"

    def save(self, *args, **kwargs):
        if self.apprise_url:
            self.masked_url = mask_url(self.apprise_url)
        super().save(*args, **kwargs)
