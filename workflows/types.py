"""Dataclasses that cross the Temporal boundary: ids and public fields only, never a secret."""

from dataclasses import dataclass


@dataclass
class HousekeepingResult:
    expired_refresh_tokens: int = 0
    expired_unsubscribe_tokens: int = 0
