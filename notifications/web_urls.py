"""Pages (HTML) of this app; the API lives in urls.py."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
