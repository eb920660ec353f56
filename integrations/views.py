"""Channel pages: list, add, test, toggle, rename, delete. HTMX enhances; plain POSTs work.

Every write goes through `integrations.services`, every read through `integrations.selectors`
(which take the user, so another user's channel is a 404).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from soonish.throttling import throttled

from . import selectors, services
from .forms import ChannelCreateForm, ChannelEditForm, kind_or_none
from .kinds import KINDS
from .models import Integration


def _channel(request, pk: int) -> Integration:
    try:
        return selectors.integration_for(user=request.user, pk=pk)
    except Integration.DoesNotExist:
        raise Http404("No such channel.") from None


def _labelled(channel: Integration) -> Integration:
    # The kind's own label ("ntfy", "Webhook (JSON)"), as the add page names it.
    kind = KINDS.get(channel.kind)
    channel.kind_label = kind.label if kind else channel.get_kind_display()
    return channel


def _row(request, integration: Integration, **extra):
    _labelled(integration)
    return render(request, "integrations/pages/_channel.html", {"channel": integration, **extra})


@login_required
@require_GET
def channel_list(request):
    channels = [_labelled(c) for c in selectors.integrations_for(user=request.user)]
    return render(request, "integrations/pages/list.html", {"channels": channels})


@login_required
@require_http_methods(["GET", "POST"])
def channel_new(request):
    kind = kind_or_none(request.GET.get("kind"))
    if kind is None:
        unknown = "kind" in request.GET
        return render(
            request,
            "integrations/pages/pick_kind.html",
            {"kinds": KINDS.values(), "unknown": unknown},
            status=400 if unknown or request.method == "POST" else 200,
        )
    form = ChannelCreateForm(request.POST if request.method == "POST" else None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            channel = services.integration_create(
                user=request.user,
                kind=kind.name,
                name=form.cleaned_data["name"],
                tag=form.cleaned_data["tag"],
                config=form.config(),
            )
        except services.IntegrationInvalid as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Channel “{channel.name}” added. Send it a test message.")
            return redirect("channels")
    status = 400 if form.errors else 200
    return render(
        request, "integrations/pages/new.html", {"form": form, "kind": kind}, status=status
    )


@login_required
@require_POST
@throttled("test_send")
def channel_test(request, pk: int):
    channel = _channel(request, pk)
    result = services.integration_send_test(integration=channel)
    if request.htmx:
        return render(
            request, "integrations/pages/_test_result.html", {"result": result, "channel": channel}
        )
    if result.ok:
        messages.success(request, f"{channel.name}: test message sent.")
    else:
        messages.error(request, f"{channel.name}: test failed: {result.reason}")
    return redirect("channels")


@login_required
@require_POST
def channel_toggle(request, pk: int):
    channel = _channel(request, pk)
    services.integration_update(integration=channel, is_active=not channel.is_active)
    if request.htmx:
        return _row(request, channel)
    state = "active" if channel.is_active else "paused: nothing is sent to it"
    messages.success(request, f"{channel.name} is {state}.")
    return redirect("channels")


@login_required
@require_GET
def channel_row(request, pk: int):
    """The channel's row (HTMX: leaving the inline editor); without JS, the list."""
    channel = _channel(request, pk)
    return _row(request, channel) if request.htmx else redirect("channels")


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request, pk: int):
    channel = _channel(request, pk)
    initial = {"name": channel.name, "tag": channel.tag}
    form = ChannelEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.integration_update(
                integration=channel, name=form.cleaned_data["name"], tag=form.cleaned_data["tag"]
            )
        except services.IntegrationInvalid as exc:
            form.add_service_errors(exc)
        else:
            if request.htmx:
                return _row(request, channel)
            messages.success(request, f"Channel renamed to “{channel.name}”.")
            return redirect("channels")
    context = {"form": form, "channel": channel}
    if request.htmx:
        # htmx does not swap 4xx answers; the errors are in the form either way.
        return render(request, "integrations/pages/_channel_edit.html", context)
    status = 400 if form.errors else 200
    return render(request, "integrations/pages/edit.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def channel_delete(request, pk: int):
    channel = _channel(request, pk)
    if request.method == "POST":
        services.integration_delete(integration=channel)
        messages.success(request, f"Channel “{channel.name}” deleted.")
        return redirect("channels")
    return render(request, "integrations/pages/delete.html", {"channel": channel})
