"""Dataclasses that cross the Temporal boundary: ids and public fields only, never a secret."""

from dataclasses import dataclass, field
from datetime import datetime

# A batch activity is tried this many times (backoff up to 30 s: about 1.5 min in all);
# transient failures still left on the last attempt are recorded as failed.
SEND_ATTEMPTS = 8


@dataclass
class HousekeepingResult:
    expired_refresh_tokens: int = 0
    expired_unsubscribe_tokens: int = 0


@dataclass
class EventTimeline:
    """What an EventWorkflow knows of its event."""

    event_id: int
    status: str
    revision: int
    start: datetime
    end: datetime | None = None


@dataclass
class AnnouncementRef:
    id: int
    send_at: datetime | None = None  # None: now


@dataclass
class EventWorkflowInput:
    timeline: EventTimeline
    handled_revision: int  # the last revision whose notice was started
    # Carried across continue-as-new:
    offsets: list[int] = field(default_factory=list)  # reminder offsets in use (seconds)
    reminders_done: list[str] = field(default_factory=list)  # "<offset>@<start epoch>"
    reminders_armed: list[str] = field(default_factory=list)  # seen while still ahead
    announcements: list[AnnouncementRef] = field(default_factory=list)  # not yet started


@dataclass
class ChangeRef:
    revision: int
    kind: str  # update | cancel


@dataclass
class PendingChanges:
    timeline: EventTimeline | None  # None: the event no longer exists
    changes: list[ChangeRef] = field(default_factory=list)
    offsets: list[int] = field(default_factory=list)
    announcements: list[AnnouncementRef] = field(default_factory=list)


@dataclass
class PendingInput:
    event_id: int
    after_revision: int


@dataclass
class NoticeInput:
    """One notification to an event's subscribers (or to one of them)."""

    event_id: int
    kind: str
    ref: str
    subscription_id: int | None = None


@dataclass
class BatchRange:
    first_id: int
    last_id: int | None


@dataclass
class BatchInput:
    notice: NoticeInput
    batch: BatchRange


@dataclass
class NoticeSummary:
    batches: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0


@dataclass
class EventWorkflowStatus:
    event_id: int
    status: str
    revision: int
    handled_revision: int
    start: datetime
    end: datetime | None
    finish_at: datetime
    notices_started: int
    offsets: list[int] = field(default_factory=list)
    next_reminder_due: datetime | None = None
    next_reminder_offset: int | None = None


@dataclass
class PurgeResult:
    """What PurgeUnconfirmedWorkflow deleted."""

    subscriptions: int = 0
    users: int = 0


@dataclass
class PendingWelcome:
    """A subscription whose welcome is still to be sent, and how often it was not found."""

    subscription_id: int
    tries: int = 0


@dataclass
class WelcomesInput:
    """A WelcomesWorkflow's start (or continue-as-new) arguments; the knobs are for tests."""

    event_id: int
    pending: list[PendingWelcome] = field(default_factory=list)  # carried across CAN
    idle_seconds: float = 60.0  # ends after this long with nothing to do
    max_signals: int = 1_000  # continues-as-new after this many signals
    batch_size: int = 200  # subscriptions per activity
    parallel: int = 4  # activities at once (beside a running one: a full batch, or ...
    coalesce_seconds: float = 1.0  # ... what has waited this long)
    retry_seconds: float = 1.0  # a subscription not visible yet is tried again after this
    max_tries: int = 10  # ... this many times in all, then dropped (it never committed)


@dataclass
class WelcomeBatchInput:
    event_id: int
    subscription_ids: list[int]


@dataclass
class WelcomeBatchResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    missing: list[int] = field(default_factory=list)  # not visible (yet): try again later


@dataclass
class WelcomesSummary:
    """What a WelcomesWorkflow run did (until it ended or continued as new)."""

    signals: int = 0
    batches: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    dropped: int = 0  # never became visible within max_tries
