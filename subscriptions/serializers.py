from rest_framework import serializers

from soonish.fields import MAX_ID, TagListField

from .models import Subscription


class SubscriptionEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    start = serializers.DateTimeField()
    time_zone = serializers.CharField()
    status = serializers.CharField()


class SubscriptionSerializer(serializers.ModelSerializer):
    event = SubscriptionEventSerializer(read_only=True)
    integration_ids = serializers.SerializerMethodField()
    reminder_offsets = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    is_confirmed = serializers.SerializerMethodField()

    class Meta:
        model = Subscription
        fields = [
            "id", "event", "integration_ids", "tags", "reminder_offsets", "is_confirmed",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_integration_ids(self, subscription) -> list[int]:
        return sorted(i.pk for i in subscription.integrations.all())

    def get_is_confirmed(self, subscription) -> bool:
        return subscription.confirmed_at is not None


class SubscribeSerializer(serializers.Serializer):
    """Selectors and reminder times. Omitted reminder_offsets → [86400, 3600]; [] → none."""

    integration_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), required=False, max_length=50
    )
    tags = TagListField(required=False)
    reminder_offsets = serializers.JSONField(required=False)
    invitation_token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The token from an invitation email: opens a private event one is not a "
        "member of. Single use; it is spent by this subscription.",
    )


class SubscriptionUpdateSerializer(SubscribeSerializer):
    invitation_token = None  # only for subscribing


class EmailSubscribeSerializer(serializers.Serializer):
    """Subscribing without signing in (double opt-in): until the address confirms through the
    link mailed to it, nothing but that confirmation is sent. Omitted reminder_offsets →
    [86400, 3600]; [] → none."""

    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    reminder_offsets = serializers.JSONField(required=False)
    invitation_token = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="The token from an invitation email, for a private event.",
    )


class ConfirmedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    event = SubscriptionEventSerializer()
