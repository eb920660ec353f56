from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from .models import Event, Invitation


class InvitationInline(admin.TabularInline):
    model = Invitation
    extra = 0
    fields = ["email", "created_at", "expires_at", "accepted_at", "accepted_by"]
    readonly_fields = fields
    can_delete = True
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        # Invitations carry a mailed token: they are made through the organizer's API.
        return False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "start",
        "time_zone",
        "status",
        "is_public",
        "organizer",
        "subscriber_count",
        "revision",
        "deliveries",
    ]
    list_filter = ["status", "is_public", "time_zone"]
    search_fields = ["name", "description", "location", "organizer__email"]
    date_hierarchy = "start"
    raw_id_fields = ["organizer"]
    readonly_fields = ["workflow_id", "revision", "created_at", "updated_at"]
    inlines = [InvitationInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("organizer")
            .annotate(n_subscribers=Count("subscriptions", distinct=True))
        )

    @admin.display(description="subscribers", ordering="n_subscribers")
    def subscriber_count(self, obj):
        return obj.n_subscribers

    @admin.display(description="ledger")
    def deliveries(self, obj):
        url = reverse("admin:notifications_delivery_changelist") + f"?event__id__exact={obj.pk}"
        return format_html('<a href="{}">deliveries</a>', url)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "event", "created_at", "expires_at", "accepted_at"]
    list_filter = ["accepted_at", "expires_at"]
    search_fields = ["email", "event__name"]
    list_select_related = ["event"]
    readonly_fields = [
        "event",
        "email",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
    ]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False
