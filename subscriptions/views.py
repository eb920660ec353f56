"""The pages behind the links in subscription messages: confirm, unsubscribe.

GET only shows what the link does and a button: mail scanners that prefetch links must not
confirm or unsubscribe anyone. Plain forms, so they work with JavaScript off.
"""

from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from soonish.throttling import throttled
from workflows.connection import TemporalUnavailable

from . import services
from .tokens import BadToken, subscription_from_confirmation_token, unsubscribe_token_from


def _token(request) -> str:
    return request.POST.get("token") or request.GET.get("token", "")


@require_http_methods(["GET", "POST"])
@throttled("subscribe")
def confirm(request):
    token, template = _token(request), "subscriptions/confirm.html"
    try:
        if request.method == "GET":
            subscription = subscription_from_confirmation_token(token) if token else None
            return render(request, template, {"token": token, "subscription": subscription})
        subscription = services.subscription_confirm(token=token)
    except BadToken as exc:
        return render(request, template, {"error": str(exc)}, status=400)
    except TemporalUnavailable:
        context = {"token": token, "unavailable": True}
        return render(request, template, context, status=503)
    return render(request, template, {"confirmed": subscription})


@require_http_methods(["GET", "POST"])
@throttled("subscribe")
def unsubscribe(request):
    token, template = _token(request), "subscriptions/unsubscribe.html"
    try:
        if request.method == "GET":
            row = unsubscribe_token_from(token) if token else None
            event = row.subscription.event if row else None
            return render(request, template, {"token": token, "event": event})
        subscription = services.subscription_unsubscribe(token=token)
    except BadToken as exc:
        return render(request, template, {"error": str(exc)}, status=400)
    return render(request, template, {"unsubscribed_from": subscription.event})
