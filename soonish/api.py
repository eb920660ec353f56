"""API conventions shared by every app: pagination, errors, the 503 for a down dependency."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, InterfaceError, OperationalError
from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Pagination(LimitOffsetPagination):
    """`limit` (1-100, default 20) and `offset` (≥ 0); anything else is a 400, not ignored."""

    default_limit = 20
    max_limit = 100
    minimum = {"limit": 1, "offset": 0}

    def _read(self, request, name: str, default: int) -> int:
        raw = request.query_params.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if value < self.minimum[name]:
            raise ValidationError({name: [f"A whole number of at least {self.minimum[name]}."]})
        return value

    def get_limit(self, request):
        return min(self._read(request, "limit", self.default_limit), self.max_limit)

    def get_offset(self, request):
        return self._read(request, "offset", 0)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"]["minimum"] = self.minimum[parameter["name"]]
        return parameters


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service Soonish depends on is unavailable; try again shortly."
    default_code = "service_unavailable"


def not_found(request, exception):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=status.HTTP_404_NOT_FOUND)
    return page_not_found(request, exception)


def as_drf(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's: always a field map (`non_field_errors` if unnamed)."""
    if hasattr(exc, "error_dict"):
        return ValidationError(exc.message_dict)
    return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    if isinstance(exc, IntegrityError):
        # A concurrent request won a uniqueness race: the same answer the check would give.
        return Response(
            {"detail": "This conflicts with data that already exists."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, OperationalError | InterfaceError):
        # The database went away or refuses connections; a bug (ProgrammingError, …) stays a 500.
        logger.error("database error: %s", type(exc).__name__)
        return Response(
            {"detail": "The database is unavailable; try again shortly."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    return None
