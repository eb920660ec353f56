from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import SubscribeView, SubscriptionViewSet

router = SimpleRouter(trailing_slash=False)
router.register("subscriptions", SubscriptionViewSet, basename="subscription")

urlpatterns = [
    path("events/<int:event_id>/subscribe", SubscribeView.as_view(), name="event-subscribe"),
    *router.urls,
]
