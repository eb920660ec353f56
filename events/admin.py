import logging

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from notifications.messages import local_time
from notifications.selectors import delivery_counts
from workflows import client as temporal
from workflows.connection import TemporalUnavailable

from . import services
from .models import Event, Invitation
from .selectors import with_subscriber_counts
from .services import EventClosed, event_cancel

logger = logging.getLogger(__name__)


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
    readonly_fields = [
        "workflow_status",
        "delivery_summary",
        "status",  # the "Cancel event" action changes it, through the service
        "workflow_id",
        "revision",
        "created_at",
        "updated_at",
    ]
    inlines = [InvitationInline]
    actions = ["cancel_events", "replan_workflows"]

    def has_add_permission(self, request):
        # Events are created by organizers (pages, API): creation starts the event's workflow.
        return False

    def save_model(self, request, obj, form, change):
        # A staff edit is a change like any other: through the service, so the revision moves,
        # subscribers hear of it and the workflow re-plans. Other fields are saved as they are.
        changed = set(form.changed_data)
        through_service = {
            n: form.cleaned_data[n] for n in changed if n in services.EDITABLE_FIELDS
        }
        rest = changed - set(through_service)
        if rest:
            Event.objects.filter(pk=obj.pk).update(**{n: form.cleaned_data[n] for n in rest})
        if through_service:
            services.event_update(event=obj, **through_service)
        obj.refresh_from_db()

    def get_queryset(self, request):
        # The count is a correlated subquery (the public pages' own), so the list stays one
        # query per page without a join and GROUP BY over every subscription.
        return with_subscriber_counts(super().get_queryset(request).select_related("organizer"))

    def get_fieldsets(self, request, obj=None):
        # The live status goes first, and only on an existing event's page.
        fields = [f for f in self.get_fields(request, obj) if f not in LIVE]
        if obj is None:
            return [(None, {"fields": fields})]
        return [("Live status", {"fields": LIVE}), (None, {"fields": fields})]

    @admin.display(description="subscribers", ordering="subscriber_count")
    def subscriber_count(self, obj):
        return obj.subscriber_count

    @admin.display(description="ledger")
    def deliveries(self, obj):
        return format_html('<a href="{}">deliveries</a>', _ledger_url(obj.pk))

    @admin.display(description="workflow")
    def workflow_status(self, obj):
        """The EventWorkflow's own answer to its `status` query, or why there is none."""
        if obj is None or obj.pk is None:
            return "—"
        try:
            state = temporal.describe_event_workflow(obj.pk)
        except TemporalUnavailable as exc:
            return format_html('<strong>unavailable</strong> <span class="quiet">({})</span>', exc)
        except Exception as exc:  # ended or never started: a query has nobody to answer it
            logger.info("status query of event %s failed: %s", obj.pk, type(exc).__name__)
            return format_html(
                '<strong>not running</strong> <span class="quiet">({})</span>', type(exc).__name__
            )
        if state is None:  # Temporal answered: this event has no workflow run
            return mark_safe("<strong>not running</strong>")
        rows = [
            ("state", state.status),
            ("revision handled", f"{state.handled_revision} of {state.revision}"),
            ("next reminder", _next_reminder(state, obj.time_zone)),
            ("reminder offsets", ", ".join(_offset(s) for s in state.offsets) or "none"),
            ("notices started", state.notices_started),
            ("finishes", local_time(state.finish_at, obj.time_zone)),
        ]
        return format_html(
            '<div class="workflow-status">running · {}</div>{}',
            obj.workflow_id or temporal.event_workflow_id(obj.pk),
            format_html_join("", "<div>{}: <strong>{}</strong></div>", rows),
        )

    @admin.display(description="deliveries")
    def delivery_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        counts = delivery_counts(event_id=obj.pk)
        return format_html(
            '{} · <a href="{}">open the ledger</a>',
            format_html_join(" · ", "{}: <strong>{}</strong>", counts.items()),
            _ledger_url(obj.pk),
        )

    @admin.action(description="Cancel event (subscribers are told)")
    def cancel_events(self, request, queryset):
        cancelled = 0
        for event in queryset:
            try:
                event_cancel(event=event)
                cancelled += 1
            except EventClosed as exc:
                self.message_user(request, f"{event.name}: {exc}", messages.WARNING)
        if cancelled:
            self.message_user(request, f"{cancelled} event(s) cancelled.", messages.SUCCESS)

    @admin.action(description="Re-plan workflow (re-read the event and its reminders)")
    def replan_workflows(self, request, queryset):
        replanned = 0
        for event in queryset:
            try:
                temporal.ensure_event_workflow(event)
            except TemporalUnavailable as exc:
                self.message_user(
                    request, f"Temporal is unavailable; {event.name} not re-planned: {exc}",
                    messages.ERROR,
                )  # fmt: skip
                break
            replanned += 1
        if replanned:
            self.message_user(request, f"{replanned} workflow(s) re-planned.", messages.SUCCESS)


LIVE = ["workflow_status", "delivery_summary"]


def _ledger_url(event_id: int) -> str:
    return reverse("admin:notifications_delivery_changelist") + f"?event__id__exact={event_id}"


def _next_reminder(state, time_zone: str) -> str:
    if state.next_reminder_due is None:
        return "none"
    when = local_time(state.next_reminder_due, time_zone)
    return f"{when} ({_offset(state.next_reminder_offset)} before)"


def _offset(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


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
