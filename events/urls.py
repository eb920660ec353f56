from django.urls import path
from rest_framework.routers import SimpleRouter

from .api import EventViewSet
from .api_calendar import EventCalendarView
from .api_invitations import InvitationViewSet

router = SimpleRouter(trailing_slash=False)
router.register("events", EventViewSet, basename="event")

invitation_list = InvitationViewSet.as_view({"get": "list", "post": "create"})
invitation_detail = InvitationViewSet.as_view({"delete": "destroy"})

urlpatterns = [
    *router.urls,
    path("events/<int:event_id>/calendar.ics", EventCalendarView.as_view(), name="event-calendar"),
    path("events/<int:event_id>/invitations", invitation_list, name="event-invitation-list"),
    path(
        "events/<int:event_id>/invitations/<int:pk>",
        invitation_detail,
        name="event-invitation-detail",
    ),
]
