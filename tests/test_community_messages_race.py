"""The limit on new conversations holds across workers (review of issue 14): two conversations started at the
same instant by one member cannot both pass MESSAGES_NEW_CONVERSATIONS_PER_HOUR. Starting one holds the sender's
member row until the commit (a no-op UPDATE: a row lock on PostgreSQL, the write lock on SQLite), so the second
counts the first. Run with COPRACTICE_TEST_DATABASE_URL set for PostgreSQL (and on SQLite without)."""
import contextlib
import threading

import pytest
from sqlalchemy import func, select

from copractice.community import messages as ops
from copractice.community.message_models import Conversation
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import Member
from tests.concurrency_helpers import together


@pytest.fixture
def app_settings():
    return {"MESSAGES_NEW_CONVERSATIONS_PER_HOUR": 1,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 0}}


def test_two_new_conversations_at_the_same_instant_start_one(app, make_member, monkeypatch):
    sender = make_member(name="Sam Sender")
    others = [make_member(name="Olu Other"), make_member(name="Pat Other")]
    both_counted = threading.Barrier(2, timeout=2)
    real_count = ops.started_in_last_hour

    def count_then_wait_for_the_other(member, now=None):
        # Without the lock both count 0 here and both start a conversation; with it the other start waits for
        # this one's commit, so nobody else comes and the wait gives up.
        counted = real_count(member, now)
        with contextlib.suppress(threading.BrokenBarrierError):
            both_counted.wait()
        return counted

    monkeypatch.setattr(ops, "started_in_last_hour", count_then_wait_for_the_other)

    def start(other_id):
        with app.test_request_context():
            try:
                ops.start_conversation(db.session.get(Member, sender.id), [db.session.get(Member, other_id)],
                                       "Hello, shall we talk about the panel?")
            except Refused as refused:
                return "refused" if "conversations in the last hour" in str(refused) else str(refused)
            db.session.commit()
            return "started"

    assert sorted(together([lambda: start(others[0].id), lambda: start(others[1].id)], timeout=30)) == [
        "refused", "started"]
    with app.app_context():
        assert db.session.scalar(select(func.count(Conversation.id))
                                 .where(Conversation.created_by_id == sender.id)) == 1
