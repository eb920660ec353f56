"""Invitations API: the organizer invites an address to an event, lists and revokes invitations."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from . import invitations
from .models import Event, Invitation
from .selectors import events_visible_to
from .services import EventClosed


class InvitationSerializer(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = ["id", "email", "created_at", "expires_at", "accepted_at", "status"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[invitations.PENDING, invitations.ACCEPTED, invitations.EXPIRED]
        )
    )
    def get_status(self, invitation) -> str:
        return invitations.invitation_status(invitation)


class InvitationCreateSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class InvitationViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """Only the organizer: a caller who cannot see the event gets 404, one who can gets 403."""

    queryset = Invitation.objects.none()  # for the schema; requests use get_queryset
    serializer_class = InvitationSerializer

    def get_throttles(self):
        # Each invitation sends a mail to any address: limit how many, per organizer.
        self.throttle_scope = "invite" if self.action == "create" else None
        return super().get_throttles()

    def _event(self) -> Event:
        event = get_object_or_404(events_visible_to(self.request.user), pk=self.kwargs["event_id"])
        if event.organizer_id != self.request.user.pk:
            raise PermissionDenied("Only the organizer can manage this event's invitations.")
        return event

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return invitations.invitations_for(user=self.request.user, event=self._event())

    @extend_schema(
        request=InvitationCreateSerializer,
        responses={
            201: OpenApiResponse(InvitationSerializer, description="Invited; the token is mailed."),
            200: OpenApiResponse(
                InvitationSerializer,
                description="The address was already invited: a new token replaces the old one, "
                "the expiry restarts, and the invitation is mailed again.",
            ),
            409: OpenApiResponse(description="The event is cancelled or finished."),
        },
    )
    def create(self, request, event_id=None):
        event = self._event()
        data = InvitationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            invitation, created = invitations.invitation_send(
                event=event, email=data.validated_data["email"], invited_by=request.user
            )
        except EventClosed as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(
            InvitationSerializer(invitation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(responses={204: OpenApiResponse(description="Revoked: the token is dead.")})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        invitations.invitation_revoke(invitation=instance)
