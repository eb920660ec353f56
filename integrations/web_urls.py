"""Pages (HTML) of this app, under /channels/; the API lives in urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.channel_list, name="channels"),
    path("new", views.channel_new, name="channel-new"),
    path("<int:pk>/", views.channel_row, name="channel-row"),
    path("<int:pk>/test", views.channel_test, name="channel-test"),
    path("<int:pk>/toggle", views.channel_toggle, name="channel-toggle"),
    path("<int:pk>/edit", views.channel_edit, name="channel-edit"),
    path("<int:pk>/delete", views.channel_delete, name="channel-delete"),
]
