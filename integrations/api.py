"""Integrations API: a user's channels, the test send, and the kinds that drive the form.

Querysets are filtered by the caller, so another user's integration is a 404.
"""

from dataclasses import asdict

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .kinds import KINDS
from .models import Integration
from .serializers import (
    IntegrationCreateSerializer,
    IntegrationSerializer,
    IntegrationUpdateSerializer,
    KindSerializer,
    TestResultSerializer,
)


def _call(service, **kwargs):
    try:
        return service(**kwargs)
    except services.IntegrationInvalid as exc:
        raise ValidationError(exc.errors) from None


class IntegrationListView(generics.ListAPIView):
    serializer_class = IntegrationSerializer
    queryset = Integration.objects.none()  # for the schema; get_queryset() filters by caller

    def get_queryset(self):
        return selectors.integrations_for(user=self.request.user)

    @extend_schema(request=IntegrationCreateSerializer, responses={201: IntegrationSerializer})
    def post(self, request):
        data = IntegrationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        integration = _call(services.integration_create, user=request.user, **data.validated_data)
        return Response(IntegrationSerializer(integration).data, status=status.HTTP_201_CREATED)


class IntegrationDetailView(generics.RetrieveDestroyAPIView):
    serializer_class = IntegrationSerializer
    queryset = Integration.objects.none()  # for the schema; get_queryset() filters by caller
    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.integrations_for(user=self.request.user)

    @extend_schema(request=IntegrationUpdateSerializer, responses={200: IntegrationSerializer})
    def patch(self, request, pk):
        integration = self.get_object()
        data = IntegrationUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        _call(services.integration_update, integration=integration, **data.validated_data)
        return Response(IntegrationSerializer(integration).data)

    def perform_destroy(self, instance):
        services.integration_delete(integration=instance)


class IntegrationTestView(APIView):
    throttle_scope = "test_send"

    @extend_schema(
        request=None,
        responses={
            200: TestResultSerializer,
            502: OpenApiResponse(TestResultSerializer, description="The channel failed."),
        },
    )
    def post(self, request, pk):
        integration = generics.get_object_or_404(
            selectors.integrations_for(user=request.user, with_url=True), pk=pk
        )
        result = services.integration_send_test(integration=integration)
        # 502: Soonish worked, the channel it relays to did not (the reason says how).
        code = status.HTTP_200_OK if result.ok else status.HTTP_502_BAD_GATEWAY
        return Response(TestResultSerializer(result).data, status=code)


class KindListView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(responses={200: KindSerializer(many=True)})
    def get(self, request):
        return Response(KindSerializer([_kind(kind) for kind in KINDS.values()], many=True).data)


def _kind(kind) -> dict:
    return {
        "name": kind.name,
        "label": kind.label,
        "fields": [asdict(field) for field in kind.fields],
    }
