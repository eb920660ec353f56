from django.contrib import admin

from .models import ReminderOffset, Subscription, UnsubscribeToken


class ReminderOffsetInline(admin.TabularInline):
    model = ReminderOffset
    extra = 0
    fields = ["offset_seconds"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "event", "reminder_times", "confirmed_at", "created_at"]
    list_filter = ["confirmed_at", "event__status"]
    search_fields = ["user__email", "event__name"]
    raw_id_fields = ["user", "event"]
    filter_horizontal = ["integrations"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [ReminderOffsetInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user", "event")
            .prefetch_related("reminders")
        )

    @admin.display(description="reminders (s before)")
    def reminder_times(self, obj):
        return ", ".join(str(o) for o in obj.reminder_offsets) or "none"

    def save_formset(self, request, form, formset, change):
        # Offsets carry their event so reminder look-ups stay one indexed query.
        for reminder in formset.save(commit=False):
            reminder.event_id = form.instance.event_id
            reminder.save()
        for reminder in formset.deleted_objects:
            reminder.delete()


@admin.register(UnsubscribeToken)
class UnsubscribeTokenAdmin(admin.ModelAdmin):
    list_display = ["subscription", "created_at", "expires_at", "used_at"]
    list_filter = ["used_at", "expires_at"]
    search_fields = ["subscription__user__email", "subscription__event__name"]
    list_select_related = ["subscription__user", "subscription__event"]
    readonly_fields = ["subscription", "created_at", "expires_at", "used_at"]

    def has_add_permission(self, request):
        return False
