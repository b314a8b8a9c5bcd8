"""Check-in codes belong to one session and one time: another session's code, or a code after the window
closes, checks nobody in and writes nothing."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from copractice.attendance import operations as ops
from copractice.attendance.models import Attendance, AttendanceChange
from copractice.courses.models import Enrolment
from copractice.extensions import db
from copractice.timeutil import utcnow
from tests.conftest import AuthActions, create_member, post_form
from tests.factories_courses import create_course


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def nothing_written():
    return (db.session.scalar(select(func.count()).select_from(Attendance)),
            db.session.scalar(select(func.count()).select_from(AttendanceChange))) == (0, 0)


def two_courses_at_once(starts_in=timedelta(minutes=-5)):
    """Courses A and B whose sessions start at the same moment; a member with a place on B only."""
    a = create_course(title="Course A", starts_in=starts_in)
    b = create_course(title="Course B", starts_in=starts_in)
    b.sessions[0].starts_at, b.sessions[0].ends_at = a.sessions[0].starts_at, a.sessions[0].ends_at
    member = create_member(email="bea@example.org")
    db.session.add(Enrolment(course_id=b.id, member_id=member.id, status="enrolled"))
    b.places_taken = 1
    db.session.commit()
    return a.sessions[0], b.sessions[0], member


def test_two_sessions_at_the_same_time_have_different_codes(ctx):
    session_a, session_b, _ = two_courses_at_once()
    now = utcnow()
    assert ops.current_checkin_code(session_a, now)[0] != ops.current_checkin_code(session_b, now)[0]
    slot = int(now.timestamp()) // ctx.config["CHECKIN_CODE_SECONDS"]
    for earlier in range(slot - 5, slot + 1):  # not by luck in one slot: in every slot
        assert ops.checkin_code(session_a, earlier) != ops.checkin_code(session_b, earlier)


def test_b_refuses_a_code_from_a_and_writes_nothing(ctx):
    session_a, session_b, member = two_courses_at_once()
    code_a, _ = ops.current_checkin_code(session_a)
    with pytest.raises(ops.AttendanceRefused, match="code is not right"):
        ops.self_check_in(member, code_a, session=session_b)
    with pytest.raises(ops.AttendanceRefused, match="code is not right"):
        ops.self_check_in(member, code_a)  # typed on the check-in page: tried against B, their only session
    db.session.rollback()
    assert nothing_written()
    code_b, _ = ops.current_checkin_code(session_b)
    attendance, changed = ops.self_check_in(member, code_b)
    assert changed and attendance.session_id == session_b.id


def test_a_code_from_a_typed_on_the_site_checks_nobody_in_to_b(app, client):
    with app.test_request_context():
        session_a, session_b, _ = two_courses_at_once()
        code_a, session_b_id = ops.current_checkin_code(session_a)[0], session_b.id
    AuthActions(client).login("bea@example.org")
    for url in ("/check-in", f"/check-in/{session_b_id}"):
        page = post_form(client, url, {"code": code_a}).get_data(as_text=True)
        assert "That code is not right" in page
    with app.app_context():
        assert nothing_written()


def test_a_code_valid_for_its_moment_is_refused_after_the_window_closes_and_writes_nothing(ctx):
    _, session, member = two_courses_at_once(starts_in=timedelta(hours=-3))  # ended an hour ago
    closes = ops.checkin_window(session)[1]
    for after in (closes + timedelta(seconds=1), closes + timedelta(minutes=20)):
        code, _ = ops.current_checkin_code(session, now=after)  # the code the screen would show then
        with pytest.raises(ops.AttendanceRefused, match="closed"):
            ops.self_check_in(member, code, session=session, now=after)
        with pytest.raises(ops.AttendanceRefused, match="no session open"):
            ops.self_check_in(member, code, now=after)
    db.session.rollback()
    assert nothing_written()
    just_in_time = closes - timedelta(seconds=1)
    code, _ = ops.current_checkin_code(session, now=just_in_time)
    assert ops.self_check_in(member, code, session=session, now=just_in_time)[1]


def test_an_old_code_stops_working_after_its_grace_time(ctx):
    _, session, member = two_courses_at_once()
    period, grace = ctx.config["CHECKIN_CODE_SECONDS"], ctx.config["CHECKIN_CODE_GRACE_SECONDS"]
    now = utcnow()
    slot_start = now - timedelta(seconds=int(now.timestamp()) % period, microseconds=now.microsecond)
    old_code = ops.checkin_code(session, int(slot_start.timestamp()) // period - 1)
    with pytest.raises(ops.AttendanceRefused, match="code is not right"):
        ops.self_check_in(member, old_code, session=session, now=slot_start + timedelta(seconds=grace + 1))
    db.session.rollback()
    assert nothing_written()
    assert ops.self_check_in(member, old_code, session=session, now=slot_start + timedelta(seconds=grace - 1))[1]
