from rest_framework import serializers

from .models import Delivery


class DeliverySerializer(serializers.ModelSerializer):
    event_name = serializers.CharField(source="event.name", read_only=True, default=None)

    class Meta:
        model = Delivery
        fields = [
            "id", "kind", "status", "event", "event_name", "subscription", "integration",
            "destination", "subject", "attempts", "last_error", "created_at", "sent_at",
        ]  # fmt: skip
        read_only_fields = fields
