"""Event pages: home, browse, the public event page, the invitation landing page, organizer pages.

Views translate HTTP only: reads go through events/subscriptions/integrations selectors, every
change through their services. A private event the caller may not see is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from integrations.selectors import integrations_for
from notifications.messages import local_time
from soonish.throttling import throttled
from subscriptions import services as subscribing
from subscriptions.selectors import subscription_exists
from workflows.connection import TemporalUnavailable

from . import invitations, selectors, services
from .forms import (
    AnnouncementForm,
    ChannelSubscribeForm,
    EmailSubscribeForm,
    EventFilterForm,
    EventForm,
    InvitationForm,
)
from .models import Event, Invitation

PAGE_SIZE = 20
SCHEDULER_DOWN = "The scheduler is unavailable right now, so nothing was saved. Try again shortly."


def _shown(event: Event) -> Event:
    """Attach the event's times as text in its own zone (templates cannot convert zones)."""
    event.local_start = local_time(event.start, event.time_zone)
    event.local_end = local_time(event.end, event.time_zone) if event.end else ""
    return event


def _viewer_zone(request) -> str:
    return getattr(request.user, "time_zone", "") or "UTC"


def home(request):
    # Public ones only (user=None), whoever is looking: this is the shop window.
    upcoming = selectors.events_search(user=None, starts_after=timezone.now())
    upcoming = [_shown(e) for e in upcoming[:6]]
    return render(request, "home.html", {"upcoming": upcoming})


def event_browse(request):
    form = EventFilterForm(request.GET or None, time_zone=_viewer_zone(request))
    arguments = form.search_arguments() if form.is_valid() else {}
    events = selectors.events_search(user=request.user, **arguments)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        _shown(event)
    status = 400 if form.errors else 200
    return render(request, "events/browse.html", {"form": form, "page": page}, status=status)


# --- the public event page and subscribing ---------------------------------------------------


def _subscribe_form(request, event: Event, data=None):
    if request.user.is_authenticated:
        return ChannelSubscribeForm(data, integrations=integrations_for(user=request.user))
    return EmailSubscribeForm(data)


def _subscribe(request, event: Event, form, *, token: str = "") -> str | None:
    """Run the subscribe services for a valid form; an error message, or None on success."""
    data = form.cleaned_data
    try:
        if request.user.is_authenticated:
            invitation = invitations.invitation_for_subscriber(
                event=event, user=request.user, token=token
            )
            subscribing.subscription_create(
                event=event,
                user=request.user,
                integration_ids=data["channels"],
                reminder_offsets=data["reminder_offsets"],
                invitation=invitation,
            )
            messages.success(request, f"Subscribed to {event.name}.")
        else:
            invitation = invitations.invitation_check(event=event, token=token) if token else None
            subscribing.subscription_request(
                event=event,
                email=data["email"],
                name=data["name"],
                reminder_offsets=data["reminder_offsets"],
                invitation=invitation,
            )
            messages.success(
                request, "Check your inbox: we sent a link to confirm your subscription."
            )
    except (subscribing.AlreadySubscribed, subscribing.EventNotOpen) as exc:
        return str(exc)
    except TemporalUnavailable:
        return "The scheduler is unavailable right now, so you were not subscribed. Try again."
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
        for field, problems in errors.items():
            target = {"integration_ids": "channels", "reminder_offsets": "reminders"}.get(field)
            if target in form.fields:
                form.add_error(target, problems)
            else:
                return " ".join(problems)
        return "Please correct the errors below."
    return None


def _event_context(request, event: Event, form, **extra) -> dict:
    user = request.user
    subscribed = user.is_authenticated and subscription_exists(event_id=event.pk, user=user)
    return {
        "event": _shown(event),
        "form": form,
        "subscribed": subscribed,
        "is_organizer": user.is_authenticated and event.organizer_id == user.pk,
        "open": event.status == Event.Status.SCHEDULED,
        **extra,
    }


@require_http_methods(["GET", "POST"])
@throttled("subscribe")
def event_page(request, pk: int):
    event = get_object_or_404(selectors.events_visible_to(request.user), pk=pk)
    form = _subscribe_form(request, event, request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if form.is_valid():
            error = _subscribe(request, event, form)
            if error is None:
                return redirect("event-page", pk=event.pk)
        else:
            error = "Please correct the errors below."
    status = 400 if error else 200
    context = _event_context(request, event, form, error=error)
    return render(request, "events/detail.html", context, status=status)


@require_http_methods(["GET", "POST"])
@throttled("subscribe")
def invitation_accept(request):
    token = request.POST.get("token") or request.GET.get("token", "")
    found = invitations.invitation_from_token(token)
    try:
        if found is None:
            raise ValidationError("This invitation link is not valid; it may have been replaced.")
        invitations.invitation_check(event=found.event, token=token)
    except ValidationError as exc:
        message = " ".join(exc.messages)
        return render(request, "events/invitation.html", {"dead_link": message}, status=400)
    visible = selectors.events_visible_to(request.user, invitation_token=token)
    event = get_object_or_404(visible, pk=found.event_id)
    form = _subscribe_form(request, event, request.POST if request.method == "POST" else None)
    error = None
    if request.method == "POST":
        if form.is_valid():
            error = _subscribe(request, event, form, token=token)
            if error is None:
                # A visitor's invitation is spent now: the same link would only say so.
                target = "event-page" if request.user.is_authenticated else "invitation-sent"
                return redirect(
                    target, **({"pk": event.pk} if request.user.is_authenticated else {})
                )
        else:
            error = "Please correct the errors below."
    context = _event_context(request, event, form, error=error, token=token, invitation=found)
    return render(request, "events/invitation.html", context, status=400 if error else 200)


def invitation_sent(request):
    return render(request, "events/invitation.html", {"sent": True})


# --- organizer pages -------------------------------------------------------------------------


def _organized(request, pk: int) -> Event:
    """The caller's own event: 404 if they cannot see it, 403 if they can but do not organize."""
    event = get_object_or_404(selectors.events_visible_to(request.user), pk=pk)
    if event.organizer_id != request.user.pk:
        raise PermissionDenied("Only the organizer can change this event.")
    return event


def _save_event(request, form: EventForm) -> Event | None:
    fields = dict(form.cleaned_data)
    try:
        if form.instance is None:
            return services.event_create(organizer=request.user, **fields)
        services.event_update(event=form.instance, **fields)
        return form.instance
    except TemporalUnavailable:
        form.add_error(None, SCHEDULER_DOWN)
    except services.EventClosed as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        for field, problems in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    return None


@login_required
@require_http_methods(["GET", "POST"])
def event_create(request):
    data = request.POST if request.method == "POST" else None
    form = EventForm(data, initial={"time_zone": _viewer_zone(request), "is_public": True})
    if form.is_valid():
        event = _save_event(request, form)
        if event is not None:
            messages.success(request, f"“{event.name}” is published.")
            return redirect("event-page", pk=event.pk)
    status = 400 if form.errors else 200
    return render(request, "events/form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk: int):
    event = _organized(request, pk)
    form = EventForm(request.POST if request.method == "POST" else None, instance=event)
    if form.is_valid() and _save_event(request, form) is not None:
        messages.success(request, "Saved. Subscribers are told about what changed.")
        return redirect("event-page", pk=event.pk)
    status = 400 if form.errors else 200
    return render(request, "events/form.html", {"form": form, "event": event}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def event_cancel(request, pk: int):
    event = _organized(request, pk)
    if request.method == "POST":
        try:
            services.event_cancel(event=event)
        except services.EventClosed as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "The event is cancelled; subscribers are being told.")
        return redirect("event-page", pk=event.pk)
    return render(request, "events/cancel.html", {"event": _shown(event)})


@login_required
@require_http_methods(["GET", "POST"])
def event_announce(request, pk: int):
    event = _organized(request, pk)
    form = AnnouncementForm(request.POST if request.method == "POST" else None, event=event)
    if form.is_valid():
        try:
            announcement = services.announcement_create(
                event=event, author=request.user, **form.cleaned_data
            )
        except services.EventClosed as exc:
            form.add_error(None, str(exc))
        else:
            when = (
                f"at {local_time(announcement.send_at, event.time_zone)}"
                if announcement.send_at
                else "now"
            )
            messages.success(request, f"Announcement queued: it goes out {when}.")
            return redirect("event-page", pk=event.pk)
    status = 400 if form.errors else 200
    context = {"form": form, "event": _shown(event)}
    return render(request, "events/announce.html", context, status=status)


def _invitation_rows(request, event: Event) -> list[Invitation]:
    rows = list(invitations.invitations_for(user=request.user, event=event))
    for row in rows:
        row.status = invitations.invitation_status(row)
        row.local_expires = local_time(row.expires_at, event.time_zone)
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def event_invitations(request, pk: int):
    event = _organized(request, pk)
    form = InvitationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        email = form.cleaned_data["email"]
        try:
            _, created = invitations.invitation_send(
                event=event, email=email, invited_by=request.user
            )
        except services.EventClosed as exc:
            form.add_error(None, str(exc))
        else:
            verb = "Invited" if created else "Invited again (the earlier link no longer works):"
            messages.success(request, f"{verb} {email}.")
            if request.htmx:
                form = InvitationForm()  # fresh form and list in place; the message shows too
            else:
                return redirect("event-invitations", pk=event.pk)
    context = {"form": form, "event": _shown(event), "rows": _invitation_rows(request, event)}
    template = "events/_invitations.html" if request.htmx else "events/invitations.html"
    # HTMX swaps only 2xx answers, so its re-rendered form with errors comes back as 200.
    status = 400 if form.errors and not request.htmx else 200
    return render(request, template, context, status=status)


@login_required
@require_POST
def invitation_revoke(request, pk: int, invitation_id: int):
    event = _organized(request, pk)
    invitation = get_object_or_404(
        invitations.invitations_for(user=request.user, event=event), pk=invitation_id
    )
    invitations.invitation_revoke(invitation=invitation)
    messages.success(request, f"Invitation for {invitation.email} revoked.")
    if request.htmx:
        context = {
            "form": InvitationForm(),
            "event": event,
            "rows": _invitation_rows(request, event),
        }
        return render(request, "events/_invitations.html", context)
    return redirect("event-invitations", pk=event.pk)
