"""Run Django ORM code from an async activity without blocking the worker's event loop."""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from asgiref.sync import sync_to_async
from django.db import close_old_connections

P = ParamSpec("P")
R = TypeVar("R")


def orm(fn: Callable[P, R]) -> Callable[P, R]:
    """Wrap a synchronous ORM function as a coroutine run in a worker thread.

    Not the single shared thread (`thread_sensitive=False`), so batches run concurrently;
    connections are closed around each call so a restarted database is reconnected.
    """

    def guarded(*args, **kwargs):
        close_old_connections()
        try:
            return fn(*args, **kwargs)
        finally:
            close_old_connections()

    return wraps(fn)(sync_to_async(guarded, thread_sensitive=False))
