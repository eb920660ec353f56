"""Reads of integrations, always on behalf of a user: a stranger's channel is not found."""

from collections.abc import Iterable

from django.db.models import Q, QuerySet

from .models import Integration


def integrations_for(*, user, with_url: bool = False) -> QuerySet[Integration]:
    """The user's integrations; the encrypted URL is only loaded (and decrypted) when asked."""
    integrations = Integration.objects.filter(user=user)
    return integrations if with_url else integrations.defer("apprise_url")


def integration_for(*, user, pk: int) -> Integration:
    """One of the user's integrations, with its URL; Integration.DoesNotExist otherwise."""
    return integrations_for(user=user, with_url=True).get(pk=pk)


def active_integrations_for(
    *, user, ids: Iterable[int] = (), tags: Iterable[str] = ()
) -> QuerySet[Integration]:
    """The user's active integrations named by id or whose tag is one of `tags`, with URLs."""
    ids, tags = list(ids), [tag.lower() for tag in tags]
    if not ids and not tags:
        return Integration.objects.none()
    return integrations_for(user=user, with_url=True).filter(
        Q(pk__in=ids) | Q(tag__in=tags), is_active=True
    )
