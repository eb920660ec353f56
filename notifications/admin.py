from django.contrib import admin

from .models import Delivery


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
    list_filter = ["kind", "status", "created_at"]
    search_fields = ["recipient__email", "event__name", "destination", "idempotency_key"]
    list_select_related = ["event", "recipient"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
