from django.urls import path

from . import api

urlpatterns = [
    path("integrations", api.IntegrationListView.as_view(), name="integration-list"),
    path("integrations/kinds", api.KindListView.as_view(), name="integration-kinds"),
    path("integrations/<int:pk>", api.IntegrationDetailView.as_view(), name="integration-detail"),
    path("integrations/<int:pk>/test", api.IntegrationTestView.as_view(), name="integration-test"),
]
