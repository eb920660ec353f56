"""Ledger state changes."""

from collections import defaultdict

from django.db import transaction

from workflows import client as temporal

from .models import Delivery


def deliveries_resend(*, deliveries) -> int:
    """Put failed deliveries back to pending and start their notices again.

    Only what the ledger holds as pending is sent, so a resend reaches exactly the failed
    destinations; test sends are not resent (they report to the person who asked).
    """
    failed = deliveries.filter(status=Delivery.Status.FAILED, event__isnull=False).exclude(
        kind=Delivery.Kind.TEST
    )
    notices = defaultdict(set)
    with transaction.atomic():
        rows = list(failed.select_for_update())
        for row in rows:
            kind, event_id, ref, subscription_id, _ = row.idempotency_key.split(":", 4)
            only = int(subscription_id) if kind == Delivery.Kind.WELCOME else None
            notices[(kind, int(event_id), ref, only)].add(row.pk)
        Delivery.objects.filter(pk__in=[r.pk for r in rows]).update(
            status=Delivery.Status.PENDING, last_error=""
        )
    # After the commit, so the notices read the pending rows; TemporalUnavailable propagates.
    for kind, event_id, ref, only in notices:
        temporal.start_notice_again(event_id=event_id, kind=kind, ref=ref, subscription_id=only)
    return len(rows)
