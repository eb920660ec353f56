"""GET /api/health: is the database reachable, is Temporal reachable."""

from django.conf import settings
from django.db import DatabaseError, connection
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows import client as temporal


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        return False


HEALTH = inline_serializer(
    "Health",
    {
        "status": serializers.ChoiceField(["ok", "degraded"]),
        "database": serializers.ChoiceField(["ok", "down"]),
        "temporal": serializers.ChoiceField(["ok", "down"]),
        "version": serializers.CharField(),
    },
)


class HealthView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            (200, "application/json"): HEALTH,
            (503, "application/json"): OpenApiResponse(HEALTH, description="A dependency is down."),
        }
    )
    def get(self, request):
        db, tmp = database_ok(), temporal.check_health()
        body = {
            "status": "ok" if db and tmp else "degraded",
            "database": "ok" if db else "down",
            "temporal": "ok" if tmp else "down",
            "version": settings.SOONISH_VERSION,
        }
        return Response(body, status=200 if db and tmp else 503)
