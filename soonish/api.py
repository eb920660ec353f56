"""API conventions shared by every app: pagination, errors, the 503 for a down dependency."""

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, IntegrityError
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)


class Pagination(LimitOffsetPagination):
    default_limit = 20
    max_limit = 100


class ServiceUnavailable(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service Soonish depends on is unavailable; try again shortly."
    default_code = "service_unavailable"


def as_drf(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's: a field map when it names fields, else a list."""
    return ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


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
    if isinstance(exc, DatabaseError):
        logger.error("database error: %s", type(exc).__name__)
        return Response(
            {"detail": "The database is unavailable; try again shortly."},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "5"},
        )
    return None
