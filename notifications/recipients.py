"""Where a subscription's notifications go (SPEC §4)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from integrations.models import Integration
from subscriptions.models import Subscription


@dataclass(frozen=True)
class Destination:
    key: str  # stable within a subscription: "i<integration id>" or "email"
    url: str | None  # the Apprise URL (None: undecryptable) or mailto:<address>
    label: str  # what people may see: the masked URL or "service email"
    integration_id: int | None = None


def service_email(address: str) -> Destination:
    return Destination(key="email", url=f"mailto:{address}", label="service email")


def destinations_for(subscriptions: Iterable[Subscription]) -> dict[int, list[Destination]]:
    """Active integrations named by id or the owner's active ones whose tag is selected,
    de-duplicated; none → the service email to the subscriber's address.

    Expects `user` selected; two queries in all, whatever the count (a fan-out batch calls
    this for hundreds at once: no related manager per subscription).
    """
    subscriptions = list(subscriptions)
    # (id, owner, URL, masked URL) of the active integrations each subscription names.
    named: dict[int, list[tuple]] = defaultdict(list)
    for subscription_id, *integration in (
        Integration.objects.filter(subscriptions__in=subscriptions, is_active=True)
        .order_by("subscriptions", "pk")
        .values_list("subscriptions", "pk", "user_id", "apprise_url", "masked_url")
    ):
        named[subscription_id].append(integration)
    tagged_owners = {s.user_id for s in subscriptions if s.tags}
    by_owner_tag: dict[tuple[int, str], list[Integration]] = defaultdict(list)
    if tagged_owners:
        for integration in Integration.objects.filter(
            user_id__in=tagged_owners, is_active=True
        ).exclude(tag=""):
            by_owner_tag[(integration.user_id, integration.tag)].append(integration)
    result = {}
    for subscription in subscriptions:
        chosen: dict[int, Destination] = {}
        for pk, owner, url, masked in named.get(subscription.pk, ()):
            if owner == subscription.user_id:
                chosen[pk] = Destination(f"i{pk}", url, masked, pk)
        for tag in subscription.tags:
            for i in by_owner_tag.get((subscription.user_id, tag), ()):
                chosen[i.pk] = Destination(f"i{i.pk}", i.apprise_url, i.masked_url, i.pk)
        result[subscription.pk] = list(chosen.values()) or [service_email(subscription.user.email)]
    return result
