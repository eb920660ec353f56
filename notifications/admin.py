from django.contrib import admin, messages

from workflows.connection import TemporalUnavailable

from .models import Delivery
from .services import deliveries_resend


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
    list_filter = ["kind", "status", "created_at", ("event", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["recipient__email", "event__name", "destination", "idempotency_key"]
    list_select_related = ["event", "recipient"]
    date_hierarchy = "created_at"
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
