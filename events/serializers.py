from django.utils import timezone
from rest_framework import serializers

from soonish.fields import TagListField, TimeZoneField, WallClockDateTimeField, localize

from .models import Announcement, Event


class OrganizerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class EventSerializer(serializers.ModelSerializer):
    organizer = serializers.SerializerMethodField()
    subscriber_count = serializers.IntegerField(read_only=True, default=0)
    workflow_id = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id", "name", "description", "start", "end", "time_zone", "location", "is_public",
            "tags", "status", "revision", "organizer", "subscriber_count", "workflow_id",
            "recurrence", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields

    def get_organizer(self, event) -> OrganizerSerializer:
        return {"id": event.organizer_id, "name": event.organizer.get_short_name()}

    def get_workflow_id(self, event) -> str | None:
        user = self.context["request"].user
        return (
            event.workflow_id if user.is_authenticated and user.pk == event.organizer_id else None
        )


class EventWriteSerializer(serializers.ModelSerializer):
    """Input: naive date-times are wall-clock time in the event's own time zone."""

    start = WallClockDateTimeField()
    end = WallClockDateTimeField(required=False, allow_null=True)
    time_zone = TimeZoneField(required=False)
    tags = TagListField(required=False)

    class Meta:
        model = Event
        fields = [
            "name",
            "description",
            "start",
            "end",
            "time_zone",
            "location",
            "is_public",
            "tags",
        ]

    def validate(self, attrs):
        current = self.instance
        zone = attrs.get("time_zone") or (current.time_zone if current else "UTC")
        for name in ("start", "end"):
            if name in attrs:
                attrs[name] = localize(attrs[name], zone)
        start = attrs.get("start", current.start if current else None)
        end = attrs.get("end", current.end if current else None)
        if start and end and end < start:
            raise serializers.ValidationError({"end": ["The end must not be before the start."]})
        if current is None and start and start < timezone.now():
            raise serializers.ValidationError({"start": ["The start must be in the future."]})
        return attrs


class EventFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=200, allow_blank=True)
    tag = serializers.CharField(required=False, max_length=50, allow_blank=True)
    starts_after = serializers.DateTimeField(required=False)
    starts_before = serializers.DateTimeField(required=False)
    mine = serializers.ChoiceField(choices=["organizing", "subscribed"], required=False)


class AnnouncementSerializer(serializers.ModelSerializer):
    send_at = WallClockDateTimeField(required=False, allow_null=True)

    class Meta:
        model = Announcement
        fields = ["id", "title", "body", "level", "send_at", "created_at", "started_at"]
        read_only_fields = ["id", "created_at", "started_at"]

    def validate(self, attrs):
        event = self.context["event"]
        send_at = localize(attrs.get("send_at"), event.time_zone)
        if send_at is not None and send_at <= timezone.now():
            raise serializers.ValidationError(
                {"send_at": ["Leave empty to send now, or give a future time."]}
            )
        attrs["send_at"] = send_at
        return attrs


class WorkflowStateSerializer(serializers.Serializer):
    status = serializers.CharField()
    revision = serializers.IntegerField()
    handled_revision = serializers.IntegerField()
    finish_at = serializers.DateTimeField()
    notices_started = serializers.IntegerField()
    offsets = serializers.ListField(child=serializers.IntegerField())


class EventStatusSerializer(serializers.Serializer):
    workflow_id = serializers.CharField()
    workflow = WorkflowStateSerializer(allow_null=True)
    next_reminder_due = serializers.DateTimeField(allow_null=True)
    next_reminder_offset = serializers.IntegerField(allow_null=True)
    deliveries = serializers.DictField(child=serializers.IntegerField())
