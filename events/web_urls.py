"""Event pages."""

from django.urls import path

from soonish.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
]
