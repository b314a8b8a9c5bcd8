"""Reminders before sessions: `copractice send-reminders`, safe to run every few minutes."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from copractice.courses.models import ENROLLED, Course, Enrolment, Session
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import SessionReminder
from copractice.notifications.operations import notify
from copractice.timeutil import utcnow
from copractice.urls import external_url


def due_reminders(now):
    """(session, member) pairs for sessions starting within the reminder window, not yet reminded."""
    window_end = now + timedelta(hours=current_app.config["REMINDER_HOURS_BEFORE"])
    already = select(SessionReminder.id).where(SessionReminder.session_id == Session.id,
                                               SessionReminder.member_id == Member.id).exists()
    return db.session.execute(
        select(Session, Member)
        .join(Enrolment, and_(Enrolment.course_id == Session.course_id, Enrolment.status == ENROLLED))
        .join(Member, Member.id == Enrolment.member_id)
        .join(Course, Course.id == Session.course_id)
        .where(Session.starts_at > now, Session.starts_at <= window_end, Course.status == "published", ~already)
        .order_by(Session.starts_at, Session.id, Member.id)).all()  # one order: concurrent runs never deadlock


def send_reminders(now=None):
    """Queue one reminder per session and member. The unique (session, member) key means two runs
    at once, or one run repeated, never remind anyone twice. Returns how many were queued; the command
    that runs it commits."""
    now = now or utcnow()
    queued = 0
    for session, member in due_reminders(now):
        try:
            with db.session.begin_nested():  # a conflict undoes this reminder only
                db.session.add(SessionReminder(session_id=session.id, member_id=member.id, sent_at=now))
                db.session.flush()
        except IntegrityError:
            continue  # another run got this one first
        notify([member], "session_reminder", "session_reminder",
               link=external_url("courses.course", slug=session.course.slug),
               course=session.course, session=session)
        queued += 1
    return queued
