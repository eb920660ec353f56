"""Subscription pages: the links in subscription emails, the dashboard and its edits."""

from django.urls import path

from . import page_views, views

urlpatterns = [
    path("subscriptions/confirm", views.confirm, name="subscription-confirm-page"),
    path("unsubscribe", views.unsubscribe, name="unsubscribe-page"),
    path("dashboard", page_views.dashboard, name="dashboard"),
    path("subscriptions/<int:pk>/edit", page_views.subscription_edit, name="subscription-edit"),
    path(
        "subscriptions/<int:pk>/unsubscribe",
        page_views.subscription_unsubscribe,
        name="subscription-unsubscribe",
    ),
]
