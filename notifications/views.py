"""My notifications: the delivery ledger of what was sent (or tried) to me."""

import django_filters
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from . import selectors
from .messages import local_time
from .models import Delivery

PAGE_SIZE = 20


class DeliveryPageFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Delivery.Status.choices, empty_label="Any status")
    kind = django_filters.ChoiceFilter(choices=Delivery.Kind.choices, empty_label="Any kind")

    class Meta:
        model = Delivery
        fields = ["status", "kind"]


@login_required
def my_notifications(request):
    found = DeliveryPageFilter(request.GET, queryset=selectors.deliveries_of(request.user))
    page = Paginator(found.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "delivery": d,
            # The event's own zone; a delivery without an event (a channel test) in mine.
            "when": local_time(
                d.created_at, d.event.time_zone if d.event else request.user.time_zone
            ),
        }
        for d in page
    ]
    # Page links keep the filters.
    query = request.GET.copy()
    query.pop("page", None)
    context = {"filter": found, "page": page, "rows": rows, "query": query.urlencode()}
    status = 400 if found.errors else 200
    return render(request, "notifications/pages/my_notifications.html", context, status=status)
