"""One structured log line per request: method, path, status, duration, user id."""

import logging
import time

logger = logging.getLogger("soonish.request")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.monotonic()
        response = self.get_response(request)
        user = getattr(request, "user", None)
        # The path only: query strings can carry tokens (verification, unsubscribe).
        logger.info(
            "request method=%s path=%s status=%s duration_ms=%d user=%s",
            request.method,
            request.path,
            response.status_code,
            (time.monotonic() - started) * 1000,
            user.pk if user is not None and user.is_authenticated else "-",
        )
        return response
