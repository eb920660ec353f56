"""Event pages: home, browse, the event page, invitations, and the organizer's pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("events", views.event_browse, name="event-browse"),
    path("events/new", views.event_create, name="event-create"),
    path("events/<int:pk>", views.event_page, name="event-page"),
    path("events/<int:pk>/edit", views.event_edit, name="event-edit"),
    path("events/<int:pk>/cancel", views.event_cancel, name="event-cancel"),
    path("events/<int:pk>/announce", views.event_announce, name="event-announce"),
    path("events/<int:pk>/invitations", views.event_invitations, name="event-invitations"),
    path(
        "events/<int:pk>/invitations/<int:invitation_id>/revoke",
        views.invitation_revoke,
        name="event-invitation-revoke",
    ),
    path("invitations/accept", views.invitation_accept, name="invitation-accept"),
    path("invitations/sent", views.invitation_sent, name="invitation-sent"),
]
