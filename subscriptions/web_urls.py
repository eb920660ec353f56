"""Pages behind the links in subscription emails."""

from django.urls import path

from . import views

urlpatterns = [
    path("subscriptions/confirm", views.confirm, name="subscription-confirm-page"),
    path("unsubscribe", views.unsubscribe, name="unsubscribe-page"),
]
