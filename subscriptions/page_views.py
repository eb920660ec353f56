"""The dashboard (events I organize, events I follow) and the edits of my subscriptions.

Edits work as plain form posts (redirect back to the dashboard) and, through HTMX, swap
only the subscription's card.
"""

import logging
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from events.models import Event
from events.selectors import events_search
from integrations.selectors import integrations_for
from notifications.messages import humanize_offset, local_time
from notifications.selectors import delivery_counts_for
from workflows import client as temporal
from workflows.connection import TemporalUnavailable

from . import services
from .forms import UNITS, collect_offsets, preset_choices
from .selectors import subscriptions_of

logger = logging.getLogger(__name__)

# Only this many upcoming events ask Temporal for their next reminder: one query each.
LIVE_STATUS_LIMIT = 10


class SubscriptionForm(forms.Form):
    """Channels and reminder times of one subscription."""

    integrations = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Channels",
        help_text="None ticked: we email you.",
    )
    offsets = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple, label="Remind me"
    )
    custom_amount = forms.IntegerField(required=False, label="Another time")
    custom_unit = forms.ChoiceField(choices=[(u, u) for u in UNITS], required=False)

    def __init__(self, *args, subscription, channels, **kwargs):
        # Many of these forms share the dashboard: ids must not collide.
        super().__init__(*args, auto_id=f"id_s{subscription.pk}_%s", **kwargs)
        self.subscription = subscription
        self.fields["integrations"].choices = [(c.pk, c.name) for c in channels]
        # A time set elsewhere (the API) stays offered, so saving does not drop it silently.
        current = subscription.reminder_offsets
        self.fields["offsets"].choices = preset_choices(also=current)
        self.initial.setdefault("offsets", current)
        self.initial.setdefault("integrations", [i.pk for i in subscription.integrations.all()])
        self.initial.setdefault("custom_unit", "hours")

    def clean(self):
        data = super().clean()
        collect_offsets(self, data, ticked="offsets")
        return data


def reminder_times(subscription, now=None) -> list[dict]:
    """Each reminder as a local date-time in the event's zone: 'Wed 23 Dec 2026, 18:00'."""
    event, now = subscription.event, now or timezone.now()
    times = []
    for offset in subscription.reminder_offsets:
        due = event.start - timedelta(seconds=offset)
        shown = local_time(due, event.time_zone).rsplit(" (", 1)[0]
        times.append({"when": shown, "before": humanize_offset(offset), "past": due <= now})
    return times


def _card(request, subscription, form=None, saved=False, status=200):
    channels = list(integrations_for(user=request.user).filter(is_active=True))
    form = form or SubscriptionForm(subscription=subscription, channels=channels)
    context = {
        "sub": subscription,
        "starts": local_time(subscription.event.start, subscription.event.time_zone),
        "reminders": reminder_times(subscription),
        "form": form,
        "saved": saved,
    }
    return render(request, "dashboard/_subscription.html", context, status=status)


def _workflow_states(events) -> dict[int, object]:
    """{event id: live workflow status} for the first upcoming events; never fails the page."""
    states, now = {}, timezone.now()
    upcoming = [e for e in events if e.status == Event.Status.SCHEDULED and e.start > now]
    for event in upcoming[:LIVE_STATUS_LIMIT]:
        try:
            states[event.pk] = temporal.describe_event_workflow(event.pk)
        except TemporalUnavailable:
            break  # the scheduler is down: do not wait for it once per event
        except Exception:  # an ended or odd workflow: the ledger still answers
            logger.info("no live status for event %s", event.pk, exc_info=True)
    return states


@login_required
def dashboard(request):
    organized = list(events_search(user=request.user, mine="organizing"))
    states = _workflow_states(organized)
    counts = delivery_counts_for(event_ids=[e.pk for e in organized])
    rows = []
    for event in organized:
        state = states.get(event.pk)
        next_due = state and state.next_reminder_due
        rows.append(
            {
                "event": event,
                "starts": local_time(event.start, event.time_zone),
                "next_reminder": next_due and local_time(next_due, event.time_zone),
                "next_offset": next_due
                and state.next_reminder_offset
                and humanize_offset(state.next_reminder_offset),
                "live": state is not None,
                "counts": counts[event.pk],
            }
        )
    channels = list(integrations_for(user=request.user).filter(is_active=True))
    followed = [
        {
            "sub": sub,
            "starts": local_time(sub.event.start, sub.event.time_zone),
            "reminders": reminder_times(sub),
            "form": SubscriptionForm(subscription=sub, channels=channels),
        }
        for sub in subscriptions_of(request.user)
    ]
    return render(request, "dashboard/dashboard.html", {"organized": rows, "followed": followed})


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request, pk):
    subscription = get_object_or_404(subscriptions_of(request.user), pk=pk)
    if request.method == "GET":
        if request.htmx:
            return _card(request, subscription)
        return _edit_page(request, subscription)
    channels = list(integrations_for(user=request.user).filter(is_active=True))
    form = SubscriptionForm(request.POST, subscription=subscription, channels=channels)
    if form.is_valid():
        try:
            services.subscription_update(
                subscription=subscription,
                integration_ids=form.cleaned_data["integrations"],
                reminder_offsets=form.cleaned_data["reminder_offsets"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error("integrations" if field == "integration_ids" else "offsets", errors)
    if form.errors:
        # HTMX swaps only 2xx answers: the card with its errors comes back as 200.
        if request.htmx:
            return _card(request, subscription, form=form)
        return _edit_page(request, subscription, form=form, status=400)
    # Re-read: the prefetched reminders and channels are stale.
    subscription = subscriptions_of(request.user).get(pk=pk)
    if request.htmx:
        return _card(request, subscription, saved=True)
    messages.success(request, f"Your reminders for {subscription.event.name} are saved.")
    return redirect("dashboard")


def _edit_page(request, subscription, form=None, status=200):
    channels = list(integrations_for(user=request.user).filter(is_active=True))
    form = form or SubscriptionForm(subscription=subscription, channels=channels)
    context = {"sub": subscription, "form": form, "reminders": reminder_times(subscription)}
    return render(request, "dashboard/subscription_edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def subscription_unsubscribe(request, pk):
    subscription = get_object_or_404(subscriptions_of(request.user), pk=pk)
    if request.method == "GET":
        return render(request, "dashboard/unsubscribe.html", {"sub": subscription})
    event = subscription.event
    services.subscription_delete(subscription=subscription)
    if request.htmx:
        return render(request, "dashboard/_unsubscribed.html", {"event": event})
    messages.success(request, f"You no longer follow {event.name}.")
    return redirect("dashboard")
