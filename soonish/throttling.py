"""Rate limits shared by the API and the pages: the same scopes, rates and counters.

A page that does what a throttled endpoint does (log in, sign up, reset a password, subscribe,
send a test) counts against the same budget, so it is not a way around the API's limit.
"""

import functools
import math

from django.shortcuts import render
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle


class ScopedThrottle(ScopedRateThrottle):
    """DRF's scoped throttle, with the rates read when a request comes, not at import."""

    @property
    def THROTTLE_RATES(self):  # the name DRF looks up
        return api_settings.DEFAULT_THROTTLE_RATES

    def wait(self):
        # DRF gives no wait (so no Retry-After) once the history outgrew a lowered rate.
        return super().wait() or self.duration


def throttled(scope: str):
    """Count a page's POSTs against the API's `scope`; over the rate, a 429 page says so."""

    holder = type("Scope", (), {"throttle_scope": scope})

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                throttle = ScopedThrottle()
                if not throttle.allow_request(request, holder):
                    return too_many_requests(request, throttle.wait())
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def too_many_requests(request, wait: float):
    seconds = max(1, math.ceil(wait))
    template = "_throttled_fragment.html" if request.htmx else "throttled.html"
    response = render(request, template, {"seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response
