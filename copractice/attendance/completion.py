"""Completion follows the course: when sessions are added or removed, everyone's completion is worked out again.

A mark change re-evaluates one member (operations.evaluate_completion). Adding or removing a session
changes what completion means for everyone on the course, so this re-evaluates them all, issues or
withdraws certificates, and tells each person whose completion changed. Callers commit.
"""
from dataclasses import dataclass, field

from sqlalchemy import case, func, select

from copractice.attendance.models import ATTENDED, CO_FACILITATING, EXCUSED, Attendance, Completion
from copractice.attendance.operations import completion_rule, evaluate_completion
from copractice.courses.models import Session
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.operations import notify
from copractice.timeutil import utcnow
from copractice.urls import external_url

WITHDRAWN_AFTER_SESSIONS = "The course's sessions changed and the attendance needed to complete it was no longer met."


@dataclass
class CompletionChanges:
    completed: list = field(default_factory=list)  # [Member] who now complete the course
    withdrawn: list = field(default_factory=list)  # [Member] who no longer do


def _marks_by_member(course_id):
    """{member_id: (attended, excused)} over the course's sessions, for members whose account is not erased."""
    attended = func.sum(case((Attendance.status.in_(ATTENDED), 1), else_=0))
    excused = func.sum(case((Attendance.status == EXCUSED, 1), else_=0))
    rows = db.session.execute(
        select(Attendance.member_id, attended, excused)
        .join(Session, Session.id == Attendance.session_id)
        .join(Member, Member.id == Attendance.member_id)
        .where(Session.course_id == course_id, Member.erased_at.is_(None),
               Attendance.source != CO_FACILITATING)  # co-facilitating is not attending (issue 17 point 4)
        .group_by(Attendance.member_id)).all()
    return {member_id: (int(a or 0), int(e or 0)) for member_id, a, e in rows}


def reevaluate_course_completion(course, now=None):
    """Work out completion again for everyone on ``course``; returns who gained and who lost it.

    Erased accounts are left alone. Four statements whatever the course's size, plus the writes for
    each person whose completion changed.
    """
    now = now or utcnow()
    db.session.flush()  # the added or removed sessions, and marks removed with them, count from here
    total = db.session.scalar(select(func.count(Session.id)).where(Session.course_id == course.id)) or 0
    marks = _marks_by_member(course.id)
    completions = {c.member_id: c for c in db.session.scalars(
        select(Completion).join(Member, Member.id == Completion.member_id)
        .where(Completion.course_id == course.id, Member.erased_at.is_(None)))}
    gained, lost = [], []
    for member_id in sorted(set(marks) | set(completions)):
        attended, excused = marks.get(member_id, (0, 0))
        met, counted = completion_rule(course, total, attended, excused)
        completion = completions.get(member_id)
        if met and completion is not None:
            completion.attended, completion.counted = attended, counted
        elif met or completion is not None:
            evaluate_completion(course, member_id, now, withdrawn_because=WITHDRAWN_AFTER_SESSIONS)
            (gained if met else lost).append(member_id)
    changes = CompletionChanges()
    if gained or lost:
        people = {m.id: m for m in db.session.scalars(select(Member).where(Member.id.in_(gained + lost)))}
        changes.completed = [people[i] for i in gained]
        changes.withdrawn = [people[i] for i in lost]
        link = external_url("courses.my_learning")
        for members, completed in ((changes.completed, True), (changes.withdrawn, False)):
            for member in members:
                attended, excused = marks.get(member.id, (0, 0))
                notify([member], "completion_changed", "completion_changed", link=link, course=course,
                       completed=completed, attended=attended,
                       counted=completion_rule(course, total, attended, excused)[1])
    return changes
