"""Apprise's own log, kept out of Soonish's: its messages can carry a URL and its secrets.

Apprise logs to the single "apprise" logger (for example "Unparseable URL <the url>").
A filter on that logger stops every record from reaching any handler, and hands the
records of a send to that send (in its own thread), which redacts them into its reason.
urllib3 logs request paths at DEBUG (a Discord token is a path segment): during a send,
in that thread, its records are dropped too.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_local = threading.local()


class _ToCurrentSend(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        records = getattr(_local, "records", None)
        if records is not None:
            records.append((record.levelno, record.getMessage()))
        return False


class _NotDuringSend(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(_local, "records", None) is None


def install() -> None:
    """Silence Apprise's logger (idempotent); its records then only feed `captured()`."""
    logger = logging.getLogger("apprise")
    if not any(isinstance(f, _ToCurrentSend) for f in logger.filters):
        logger.addFilter(_ToCurrentSend())
        # Only warnings and errors explain a failure; skip building the chattier records.
        logger.setLevel(logging.WARNING)
    urllib3 = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _NotDuringSend) for f in urllib3.filters):
        urllib3.addFilter(_NotDuringSend())


@contextmanager
def captured() -> Iterator[list[tuple[int, str]]]:
    """Collect (level, message) of what Apprise logs in this thread within the block."""
    install()
    outer = getattr(_local, "records", None)
    _local.records = records = []
    try:
        yield records
    finally:
        _local.records = outer
