"""Soonish's URLs plus a bare Django baseline for bench/api.py (see bench/settings.py)."""

from django.urls import path

from bench.baseline import event_detail, event_list
from soonish.urls import urlpatterns as soonish_urlpatterns

urlpatterns = [
    path("bench/baseline/events", event_list),
    path("bench/baseline/events/<int:pk>", event_detail),
    *soonish_urlpatterns,
]
