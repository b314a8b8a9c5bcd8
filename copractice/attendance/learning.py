"""A member's learning: the sessions coming up, their courses by state, completions and hours.

Bounded work (issue 12 point 4): My learning shows the next ``UPCOMING_SHOWN`` sessions and at most
``GROUP_SHOWN`` courses in each list, each with how many there are in all, so a member with years of courses
costs what a new one does; the rest are a click away on paged lists (every session coming up, every course).
Each list is one statement of the columns the page shows, whatever the member's history.
"""
from collections import namedtuple
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from copractice.courses.models import (
    CANCELLED,
    ENROLLED,
    ENROLMENT_STATUS_LABELS,
    OFFERED,
    WAITING,
    Course,
    Enrolment,
    Session,
)
from copractice.extensions import db
from copractice.timeutil import utcnow

UPCOMING_SHOWN = 10  # sessions on My learning
GROUP_SHOWN = 10  # courses in each of My learning's lists
PER_PAGE = 25  # on the paged lists
FINISHED = "finished"  # a course with a place whose sessions have all ended, not completed
_DONE = "done"  # ... and completed: listed with the completions instead
# My learning's lists, in order, as (group, heading).
GROUPS = ((OFFERED, "Places offered to you"), (ENROLLED, "Courses you have a place on"),
          (WAITING, "Waiting lists you are on"), (FINISHED, "Courses that have finished"),
          (CANCELLED, "Places you cancelled"))


@dataclass
class Learning:
    upcoming: list  # rows: session_id, starts_at, ends_at, venue, online_link, slug, title, mark_status, mark_source
    upcoming_total: int
    groups: dict  # group -> rows: enrolment_id, status, slug, title, offer_expires_at, position
    group_totals: dict  # group -> how many in all
    completed: list  # rows: slug, title, completed_at, has_certificate
    completed_total: int
    hours: float = 0.0
    course_ids: set = field(default_factory=set)  # every course the page shows (copractice/kept_pages.py)


@cache
def _upcoming_statement():
    """Built once per process: only its parameters change (member_id, now, limit, offset)."""
    from copractice.attendance.models import Attendance

    member_id = bindparam("member_id")
    return (select(Session.id.label("session_id"), Session.starts_at, Session.ends_at, Session.venue,
                   Session.online_link, Course.slug, Course.title, Attendance.status.label("mark_status"),
                   Attendance.source.label("mark_source"), func.count().over().label("total"), Session.course_id)
            .join(Enrolment, Enrolment.course_id == Session.course_id)
            .join(Course, Course.id == Session.course_id)
            .outerjoin(Attendance, and_(Attendance.session_id == Session.id, Attendance.member_id == member_id))
            .where(Enrolment.member_id == member_id, Enrolment.status == ENROLLED, Session.ends_at > bindparam("now"))
            .order_by(Session.starts_at, Session.id).limit(bindparam("upcoming_limit")).offset(bindparam("offset")))


def upcoming_sessions(member_id: int, now: datetime | None = None, limit: int = UPCOMING_SHOWN,
                      offset: int = 0) -> tuple[list, int]:
    """([rows], total): sessions not yet ended of the courses the member has a place on, soonest first, with the
    member's own mark if there is one (apologies, a check-in). One statement."""
    rows = db.session.execute(_upcoming_statement(), {"member_id": member_id, "now": now or utcnow(),
                                                      "upcoming_limit": limit, "offset": offset}).all()
    return rows, (rows[0].total if rows else 0)


def _grouped_enrolments(statuses):
    """A subquery of the member's (bound parameter ``member_id``) enrolments in ``statuses`` with their course,
    their group (a place on a course whose sessions have all ended by ``now`` is FINISHED, or _DONE when
    completed) and, when waiting, their place in the queue."""
    from copractice.attendance.models import Completion

    member_id, now = bindparam("member_id"), bindparam("now")
    ahead = aliased(Enrolment)
    position = (select(func.count(ahead.id) + 1).where(
        ahead.course_id == Enrolment.course_id, ahead.status == WAITING,
        or_(ahead.queue_key < Enrolment.queue_key, and_(ahead.queue_key == Enrolment.queue_key, ahead.id < Enrolment.id)))
        .correlate(Enrolment).scalar_subquery())
    last_end = select(func.max(Session.ends_at)).where(Session.course_id == Enrolment.course_id).scalar_subquery()
    completed = exists().where(Completion.course_id == Enrolment.course_id, Completion.member_id == member_id)
    ended = and_(Enrolment.status == ENROLLED, last_end <= now)
    group = case((ended, case((completed, literal(_DONE)), else_=literal(FINISHED))), else_=Enrolment.status)
    return (select(Enrolment.id.label("enrolment_id"), Enrolment.course_id, Enrolment.status,
                   Enrolment.offer_expires_at, Enrolment.updated_at, Course.slug, Course.title, group.label("grp"),
                   case((Enrolment.status == WAITING, position)).label("position"))
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.member_id == member_id, Enrolment.status.in_(statuses))).subquery()


@cache
def _course_groups_statement():
    """Built once per process: only its parameters change (member_id, now, limit)."""
    grouped = _grouped_enrolments((OFFERED, ENROLLED, WAITING, CANCELLED))
    order = (grouped.c.updated_at.desc(), grouped.c.enrolment_id.desc())
    numbered = select(grouped, func.row_number().over(partition_by=grouped.c.grp, order_by=order).label("rn"),
                      func.count().over(partition_by=grouped.c.grp).label("total")).subquery()
    return (select(numbered).where(numbered.c.rn <= bindparam("limit"), numbered.c.grp != _DONE)
            .order_by(numbered.c.grp, numbered.c.rn))


def course_groups(member_id: int, now: datetime | None = None, limit: int = GROUP_SHOWN) -> tuple[dict, dict]:
    """({group: [rows]}, {group: total}): the newest ``limit`` enrolments of each of My learning's lists, and how
    many each has. One statement."""
    rows = db.session.execute(_course_groups_statement(),
                              {"member_id": member_id, "now": now or utcnow(), "limit": limit}).all()
    groups, totals = {}, {}
    for row in rows:
        groups.setdefault(row.grp, []).append(row)
        totals[row.grp] = row.total
    return groups, totals


@cache
def _completed_statement():
    """Built once per process: only its parameters change (member_id, limit)."""
    from copractice.attendance.models import Certificate, Completion

    member_id = bindparam("member_id")
    certificate = exists().where(Certificate.course_id == Completion.course_id, Certificate.member_id == member_id,
                                 Certificate.revoked_at.is_(None))
    return (select(Course.slug, Course.title, Completion.completed_at, certificate.label("has_certificate"),
                   func.count().over().label("total"), Completion.course_id)
            .join(Course, Course.id == Completion.course_id).where(Completion.member_id == member_id)
            .order_by(Completion.completed_at.desc(), Completion.id.desc()).limit(bindparam("limit")))


def completed_courses(member_id: int, limit: int = GROUP_SHOWN) -> tuple[list, int]:
    """([rows], total): the member's newest completions with whether a certificate (not revoked) is there to
    download. One statement."""
    rows = db.session.execute(_completed_statement(), {"member_id": member_id, "limit": limit}).all()
    return rows, (rows[0].total if rows else 0)


# My learning's one statement: the four lists as one UNION ALL, each kind of row filling its own columns.
_COLUMNS = {"seq": Integer, "grp": String, "row_id": Integer, "course_id": Integer, "slug": String, "title": String,
            "at": DateTime, "until": DateTime, "venue": String, "online_link": String, "mark_status": String,
            "mark_source": String, "status": String, "position": Integer, "has_certificate": Boolean,
            "total": Integer, "seconds": Float}
_Upcoming = namedtuple("Upcoming", "session_id starts_at ends_at venue online_link slug title mark_status mark_source")
_Grouped = namedtuple("Grouped", "enrolment_id course_id status offer_expires_at updated_at slug title grp position")
_Completed = namedtuple("Completed", "slug title completed_at has_certificate")


def _kind(kind, source, **columns):
    """One kind of My learning's rows: its columns by name, NULL (cast to the column's type) in the others. (No
    CAST of a real column: SQLite would make a date a number.)"""
    return select(literal(kind, String).label("kind"),
                  *[(type_coerce(columns[name], type_) if name in columns else cast(null(), type_)).label(name)
                    for name, type_ in _COLUMNS.items()]).select_from(source)


@cache
def _my_learning_statement(dialect):
    """Built once per database kind: only its parameters change (member_id, now, the three limits)."""
    from copractice.attendance.models import ATTENDED, CO_FACILITATING, Attendance, Completion
    from copractice.attendance.operations import _session_seconds

    up = (_upcoming_statement().add_columns(
        func.row_number().over(order_by=(Session.starts_at, Session.id)).label("seq")).subquery())
    grouped = _course_groups_statement().subquery()
    done = _completed_statement().add_columns(func.row_number().over(
        order_by=(Completion.completed_at.desc(), Completion.id.desc())).label("seq")).subquery()
    hours = (select(func.sum(_session_seconds(dialect)).label("seconds"))
             .join_from(Attendance, Session, Session.id == Attendance.session_id)
             .where(Attendance.member_id == bindparam("member_id"), Attendance.status.in_(ATTENDED),
                    Attendance.source != CO_FACILITATING)).subquery()  # co-facilitating is not learning
    kinds = union_all(
        _kind("upcoming", up, seq=up.c.seq, row_id=up.c.session_id, course_id=up.c.course_id, slug=up.c.slug,
              title=up.c.title,
              at=up.c.starts_at, until=up.c.ends_at, venue=up.c.venue, online_link=up.c.online_link,
              mark_status=up.c.mark_status, mark_source=up.c.mark_source, total=up.c.total),
        _kind("group", grouped, seq=grouped.c.rn, grp=grouped.c.grp, row_id=grouped.c.enrolment_id,
              course_id=grouped.c.course_id, slug=grouped.c.slug, title=grouped.c.title,
              at=grouped.c.offer_expires_at, until=grouped.c.updated_at, status=grouped.c.status,
              position=grouped.c.position, total=grouped.c.total),
        _kind("completed", done, seq=done.c.seq, course_id=done.c.course_id, slug=done.c.slug, title=done.c.title,
              at=done.c.completed_at,
              has_certificate=done.c.has_certificate, total=done.c.total),
        _kind("hours", hours, seconds=hours.c.seconds)).subquery()
    return select(kinds).order_by(kinds.c.kind, kinds.c.grp, kinds.c.seq)


def my_learning(member, now: datetime | None = None) -> Learning:
    """What My learning shows, in one statement whatever the member's history: the next sessions, the newest
    courses of each list and completions, with how many there are in all, and the hours (as
    attendance.operations.learning_hours counts them)."""
    rows = db.session.execute(_my_learning_statement(db.session.get_bind().dialect.name),
                              {"member_id": member.id, "now": now or utcnow(), "offset": 0,
                               "limit": GROUP_SHOWN, "upcoming_limit": UPCOMING_SHOWN}).all()
    learning = Learning(upcoming=[], upcoming_total=0, groups={}, group_totals={}, completed=[], completed_total=0)
    for row in rows:
        if row.course_id is not None:
            learning.course_ids.add(row.course_id)
        if row.kind == "upcoming":
            learning.upcoming.append(_Upcoming(row.row_id, row.at, row.until, row.venue, row.online_link, row.slug,
                                               row.title, row.mark_status, row.mark_source))
            learning.upcoming_total = row.total
        elif row.kind == "group":
            learning.groups.setdefault(row.grp, []).append(_Grouped(
                row.row_id, row.course_id, row.status, row.at, row.until, row.slug, row.title, row.grp, row.position))
            learning.group_totals[row.grp] = row.total
        elif row.kind == "completed":
            learning.completed.append(_Completed(row.slug, row.title, row.at, row.has_certificate))
            learning.completed_total = row.total
        else:
            learning.hours = round(float(row.seconds or 0) / 3600, 2)
    return learning


@dataclass
class CourseRow:
    slug: str
    title: str
    label: str
    completed_at: datetime | None
    has_certificate: bool


def all_courses(member_id: int, page: int = 1, now: datetime | None = None,
                per_page: int = PER_PAGE) -> tuple[list[CourseRow], int]:
    """([CourseRow], total): every course the member has had a place on or waited for, newest first, a page at a
    time, with completions and certificates. One statement."""
    from copractice.attendance.models import Certificate, Completion

    grouped = _grouped_enrolments(tuple(ENROLMENT_STATUS_LABELS))
    certificate = exists().where(Certificate.course_id == Completion.course_id, Certificate.member_id == member_id,
                                 Certificate.revoked_at.is_(None))
    rows = db.session.execute(
        select(grouped.c.slug, grouped.c.title, grouped.c.grp, grouped.c.status, Completion.completed_at,
               certificate.label("has_certificate"), func.count().over().label("total"))
        .select_from(grouped)
        .outerjoin(Completion, and_(Completion.course_id == grouped.c.course_id, Completion.member_id == member_id))
        .order_by(grouped.c.updated_at.desc(), grouped.c.enrolment_id.desc())
        .limit(per_page).offset((page - 1) * per_page), {"member_id": member_id, "now": now or utcnow()}).all()
    labels = {**ENROLMENT_STATUS_LABELS, ENROLLED: "You have a place", FINISHED: "Finished", _DONE: "Finished"}
    return [CourseRow(r.slug, r.title, labels.get(r.grp, r.grp), r.completed_at, bool(r.has_certificate))
            for r in rows], (rows[0].total if rows else 0)


@dataclass
class Pager:
    """What the shared pagination macro (admin/_pagination.html) reads."""

    page: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self):
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return min(self.page - 1, self.pages)

    @property
    def next_num(self):
        return self.page + 1
