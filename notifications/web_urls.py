"""Pages (HTML) of this app, under /notifications/; the API lives in urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.my_notifications, name="my-notifications"),
]
