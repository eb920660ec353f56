from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import ConfirmView, SubscribeView, SubscriptionViewSet, UnsubscribeView

router = SimpleRouter(trailing_slash=False)
router.register("subscriptions", SubscriptionViewSet, basename="subscription")

urlpatterns = [
    path("events/<int:event_id>/subscribe", SubscribeView.as_view(), name="event-subscribe"),
    # Before the router, whose subscriptions/<pk> would take "confirm" for an id.
    path("subscriptions/confirm", ConfirmView.as_view(), name="subscription-confirm"),
    path("unsubscribe", UnsubscribeView.as_view(), name="unsubscribe"),
    *router.urls,
]
