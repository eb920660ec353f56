"""The OpenAPI schema documents the errors every endpoint can answer with (SPEC §2).

drf-spectacular documents only the success of an operation; clients (and schemathesis) need
the 400/401/403/404/429 that DRF's conventions produce too. An error documented by the view
itself (`@extend_schema(responses=...)`) wins.
"""

from django.core.validators import ProhibitNullCharactersValidator
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny

ERROR = inline_serializer("Error", {"detail": serializers.CharField()})

ERRORS = {
    "400": OpenApiResponse(
        OpenApiTypes.OBJECT,
        description='Invalid input: `{"field": ["message"]}` (nested for nested fields), '
        '`{"non_field_errors": [...]}` or `{"detail": "..."}`.',
    ),
    "401": OpenApiResponse(ERROR, description="No credentials, or invalid or expired ones."),
    "403": OpenApiResponse(ERROR, description="Signed in but not allowed (or a CSRF failure)."),
    "404": OpenApiResponse(ERROR, description="No such object, or not one the caller may see."),
    "429": OpenApiResponse(ERROR, description="Throttled; `Retry-After` says when to try again."),
}

# For the operations that need Temporal: `@extend_schema(responses={..., 503: SCHEDULER_DOWN})`.
SCHEDULER_DOWN = OpenApiResponse(
    ERROR, description="The scheduler (Temporal) is unavailable; nothing was changed. Retry later."
)

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


# DRF's CharField refuses NUL characters (PostgreSQL cannot store them); say so. One or more:
# drf-spectacular adds the blank string as a branch of its own to a field that allows it.
NO_NUL = r"^[^\x00]+$"


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        refuses_nul = any(isinstance(v, ProhibitNullCharactersValidator) for v in field.validators)
        plain = schema.get("type") == "string" and not {"format", "enum", "pattern"} & set(schema)
        if direction == "request" and refuses_nul and plain:
            schema["pattern"] = NO_NUL
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(ERRORS[code], code)
        return responses

    def _error_codes(self) -> list[str]:
        codes = []
        has_query = any(p.get("in") == "query" for p in self._get_parameters())
        has_body = self.method in {"POST", "PUT", "PATCH"} and self.get_request_serializer()
        if has_body or has_query:
            codes.append("400")
        authenticators = self.view.get_authenticators()
        if authenticators:
            codes.append("401")  # a bad or expired token is refused even where none is needed
            anyone = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
            session = any(isinstance(a, SessionAuthentication) for a in authenticators)
            if not anyone or (self.method in UNSAFE and session):
                codes.append("403")
        if "{" in self.path:
            codes.append("404")
        self.view.get_throttles()  # sets the scope of views that throttle some actions only
        if getattr(self.view, "throttle_scope", None):
            codes.append("429")
        return codes
