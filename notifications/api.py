"""GET /api/deliveries: the ledger of what was sent to me."""

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, viewsets

from soonish.fields import MAX_ID

from . import selectors
from .models import Delivery
from .serializers import DeliverySerializer


@extend_schema_field({"type": "integer", "format": "int64", "minimum": 1, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=MAX_ID, **kwargs)


class NoBlankFilterForm(forms.Form):
    """`?status=` is a value the schema does not allow, not a filter left out: 400."""

    def clean(self):
        data = super().clean()
        for name in self.fields:
            if self.data.get(name) == "":
                self.add_error(name, "Give a value, or leave the parameter out.")
        return data


class DeliveryFilter(django_filters.FilterSet):
    # By id, not a model choice: an event the caller never heard of matches nothing (not a 400).
    event = IdFilter(field_name="event_id")

    class Meta:
        model = Delivery
        form = NoBlankFilterForm
        fields = ["event", "kind", "status"]


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Delivery.objects.none()  # for the schema; requests use get_queryset
    serializer_class = DeliverySerializer
    filterset_class = DeliveryFilter

    def get_queryset(self):
        return selectors.deliveries_of(self.request.user)
