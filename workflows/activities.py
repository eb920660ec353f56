"""Activities: the only place workflows touch the database or the outside world."""

from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken
from temporalio import activity

from subscriptions.models import UnsubscribeToken

from .db import orm
from .types import HousekeepingResult


@orm
def _purge_expired_tokens() -> HousekeepingResult:
    now = timezone.now()
    # delete() counts cascaded rows too; report only the model asked for.
    _, refresh = OutstandingToken.objects.filter(expires_at__lt=now).delete()
    _, unsubscribe = UnsubscribeToken.objects.filter(expires_at__lt=now).delete()
    return HousekeepingResult(
        expired_refresh_tokens=refresh.get(OutstandingToken._meta.label, 0),
        expired_unsubscribe_tokens=unsubscribe.get(UnsubscribeToken._meta.label, 0),
    )


@activity.defn(name="purge_expired_tokens")
async def purge_expired_tokens() -> HousekeepingResult:
    return await _purge_expired_tokens()


ACTIVITIES = [purge_expired_tokens]
