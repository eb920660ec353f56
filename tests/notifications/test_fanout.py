"""A batch and its ledger when the database drops the connection while messages are out."""

import threading
import time

import pytest
from django.db import OperationalError, connection

from integrations.sending import SendResult
from notifications import fanout
from notifications.models import Delivery
from tests.bulk import add_subscribers
from tests.factories import EventFactory
from tests.subscriptions.test_unsubscribe import _update_notice

pytestmark = pytest.mark.django_db(transaction=True)


class LostLedgerWrites:
    """Fails this connection's next `times` writes of outcomes to the ledger, as a database
    restart would (Django's execute_wrapper sees every query)."""

    def __init__(self, times: float):
        self.times = times

    def __call__(self, execute, sql, params, many, context):
        if sql.startswith('UPDATE "notifications_delivery"') and self.times > 0:
            self.times -= 1
            raise OperationalError("terminating connection due to administrator command")
        return execute(sql, params, many, context)


class CountingChannel:
    def __init__(self, delay: float = 0.0):
        self.delay, self.sent, self.lock = delay, [], threading.Lock()

    def __call__(self, url, *, title, body, level):
        time.sleep(self.delay)
        with self.lock:
            self.sent.append(url)
        return SendResult(True)


def a_notice_to(subscribers: int):
    event = EventFactory()
    first = add_subscribers(event.pk, [f"json://example.org/{i}" for i in range(subscribers)])[0]
    return _update_notice(event), first.pk


def test_an_outcome_write_that_loses_its_connection_is_retried_not_sent_again():
    notice, first_id = a_notice_to(30)
    channel = CountingChannel()
    with connection.execute_wrapper(LostLedgerWrites(times=1)):
        outcome = fanout.send_batch(notice, first_id, None, send=channel)

    assert outcome.sent == 30
    assert sorted(channel.sent) == sorted(f"json://example.org/{i}" for i in range(30))
    rows = Delivery.objects.filter(event_id=notice.event_id)
    assert set(rows.values_list("status", "attempts")) == {("sent", 1)}
    assert rows.count() == 30


def test_a_batch_that_cannot_record_its_outcomes_stops_sending(monkeypatch):
    monkeypatch.setattr(fanout, "_FLUSH_PATIENCE", 0)
    notice, first_id = a_notice_to(200)
    channel = CountingChannel(delay=0.1)
    with (
        connection.execute_wrapper(LostLedgerWrites(times=float("inf"))),
        pytest.raises(OperationalError),
    ):
        fanout.send_batch(notice, first_id, None, send=channel)
    time.sleep(0.5)  # the sends already under way end; none may start after the failure
    settled = len(channel.sent)
    time.sleep(0.5)

    assert len(channel.sent) == settled < 200
