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

    Expects `user` selected and `integrations` prefetched; one query for the tag matches.
    """
    subscriptions = list(subscriptions)
    tagged_owners = {s.user_id for s in subscriptions if s.tags}
    by_owner_tag: dict[tuple[int, str], list[Integration]] = defaultdict(list)
    if tagged_owners:
        for integration in Integration.objects.filter(
            user_id__in=tagged_owners, is_active=True
        ).exclude(tag=""):
            by_owner_tag[(integration.user_id, integration.tag)].append(integration)
    result = {}
    for subscription in subscriptions:
        chosen: dict[int, Integration] = {}
        for integration in subscription.integrations.all():
            if integration.is_active and integration.user_id == subscription.user_id:
                chosen[integration.pk] = integration
        for tag in subscription.tags:
            for integration in by_owner_tag.get((subscription.user_id, tag), ()):
                chosen[integration.pk] = integration
        result[subscription.pk] = [
            Destination(f"i{i.pk}", i.apprise_url, i.masked_url, i.pk) for i in chosen.values()
        ] or [service_email(subscription.user.email)]
    return result
