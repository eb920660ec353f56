from django.contrib import admin, messages

from workflows.connection import TemporalUnavailable

from .models import Delivery
from .services import deliveries_resend


class EventFilter(admin.SimpleListFilter):
    """Deliveries of one event, as linked from the event's page.

    Unlike a related-field filter it lists no choices (which would load every event that ever
    had a delivery into the sidebar); it shows the chosen event, and `event__id__exact` keeps
    the URL the event admin links to.
    """

    title = "event"
    parameter_name = "event__id__exact"

    def lookups(self, request, model_admin):
        value = self.value()
        if not (value and value.isdigit()):
            return []
        from events.models import Event

        name = Event.objects.filter(pk=value).values_list("name", flat=True).first()
        return [(value, name or f"event {value}")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        # A malformed id matches nothing rather than raising.
        return queryset.filter(event_id=int(value)) if value.isdigit() else queryset.none()


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The ledger is a record: staff read it, nobody edits it by hand."""

    list_display = [
        "created_at",
        "kind",
        "status",
        "event",
        "recipient",
        "destination",
        "attempts",
        "sent_at",
    ]
    list_filter = ["kind", "status", "created_at", EventFilter]
    search_fields = ["recipient__email", "event__name", "destination", "idempotency_key"]
    list_select_related = ["event", "recipient"]
    date_hierarchy = "created_at"
    # The ledger grows to millions of rows: skip the unfiltered COUNT(*) behind "n of N".
    show_full_result_count = False
    actions = ["resend_failed"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Resend the selected failed deliveries")
    def resend_failed(self, request, queryset):
        try:
            count = deliveries_resend(deliveries=queryset)
        except TemporalUnavailable:
            self.message_user(
                request, "Temporal is unavailable; nothing was resent.", messages.ERROR
            )
            return
        self.message_user(request, f"{count} failed deliveries are being sent again.")
