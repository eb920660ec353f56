from rest_framework import serializers

from .kinds import CHOICES
from .models import Integration


class IntegrationSerializer(serializers.ModelSerializer):
    """What anyone is shown of an integration: never its URL or config."""

    kind = serializers.ChoiceField(choices=CHOICES, read_only=True)

    class Meta:
        model = Integration
        fields = ["id", "name", "kind", "tag", "is_active", "masked_url"]
        fields += ["created_at", "updated_at"]
        read_only_fields = fields


class IntegrationUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    kind = serializers.ChoiceField(choices=CHOICES, required=False)
    tag = serializers.CharField(max_length=50, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    config = serializers.DictField(
        required=False,
        help_text="The kind's fields (see /api/integrations/kinds); replaces the whole config.",
    )
    url = serializers.CharField(
        max_length=2000, required=False, help_text="For kind custom: a raw Apprise URL."
    )


class IntegrationCreateSerializer(IntegrationUpdateSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=CHOICES)


class TestResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    permanent = serializers.BooleanField(help_text="A failure that retrying cannot fix.")
    reason = serializers.CharField(allow_blank=True, help_text="Why it failed; no secrets.")


class KindFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    type = serializers.ChoiceField(choices=["string", "url", "secret", "email", "choice"])
    required = serializers.BooleanField()
    help = serializers.CharField(allow_blank=True)
    choices = serializers.ListField(child=serializers.CharField())
    default = serializers.CharField(allow_null=True)


class KindSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    fields = KindFieldSerializer(many=True)
