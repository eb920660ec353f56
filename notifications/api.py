"""GET /api/deliveries: the ledger of what was sent to me."""

import django_filters
from rest_framework import mixins, viewsets

from . import selectors
from .models import Delivery
from .serializers import DeliverySerializer


class DeliveryFilter(django_filters.FilterSet):
    class Meta:
        model = Delivery
        fields = ["event", "kind", "status"]


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Delivery.objects.none()  # for the schema; requests use get_queryset
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter

    def get_queryset(self):
        return selectors.deliveries_of(self.request.user)
