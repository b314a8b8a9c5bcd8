"""``course.next_session_at``: the start of each course's next session, kept so the catalogue sorts by an index.

Two things move it:

- **A session added, moved or deleted.** Every flush that writes a course session (an operation, the demo data,
  a plugin's starter course: whoever writes it) works the course's value out again in the same transaction
  (``_refresh_after_flush``), so it is never wrong after a change.
- **Time passing.** A session that has started is no longer "next". The periodic job ``advance_next_sessions``
  (every minute on the job engine; ``copractice advance-next-sessions`` from cron) moves on the courses whose
  value is in the past, found by the index. Between two runs a few courses may hold a start that has just
  passed; the catalogue never trusts such a value (``copractice.courses.catalogue``): it works their next
  session out from the sessions themselves, so what it shows and its order are right whether or not the job
  has run. A read never writes.

Either change forgets the catalogue's kept ordering (``copractice.pieces``, entity "catalogue"), and so does
any write of what the catalogue filters or sorts by (a course's title, summary, status, theme, format or
audience; its places for "has places", entity "catalogue-places"), whoever writes it. A check-in, a mark or a
download writes none of these.
"""
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session as OrmSession

from copractice.courses.models import Course, CourseAudience, Session
from copractice.extensions import db
from copractice.jobs import periodic
from copractice.timeutil import utcnow

_PENDING = "copractice_courses_with_changed_sessions"


def next_start_after(now):
    """Correlated subquery: the start of the course's first session after ``now`` (NULL when none)."""
    return (select(func.min(Session.starts_at))
            .where(Session.course_id == Course.id, Session.starts_at > now)
            .correlate(Course).scalar_subquery())


def refresh(course_ids, now=None, *, session=None):
    """Work out ``next_session_at`` again for these courses (one UPDATE)."""
    from copractice import pieces

    course_ids = sorted(set(course_ids))
    if not course_ids:
        return
    session = session or db.session()
    session.execute(update(Course).where(Course.id.in_(course_ids))
                    .values(next_session_at=next_start_after(now or utcnow()))
                    .execution_options(synchronize_session=False))
    for course_id in course_ids:  # a loaded course reads its new value when next asked
        course = session.identity_map.get((Course, (course_id,), None))
        if course is not None:
            session.expire(course, ["next_session_at"])
    pieces.changed("catalogue", session=session)


@periodic("advance_next_sessions", minute="*")
def advance_next_sessions(now=None):
    """Move on every course whose next session has started; returns how many. Safe to run twice."""
    now = now or utcnow()
    stale = db.session.scalars(select(Course.id).where(Course.next_session_at <= now)).all()
    refresh(stale, now)
    return len(stale)


def _session_course_ids(obj):
    """The course (or, for a session moved between courses or taken off one, each) a written session belongs to."""
    attrs = inspect(obj).attrs
    ids = {*attrs.course_id.history.sum(), obj.course_id}
    ids |= {course.id for course in attrs.course.history.sum() if course is not None}
    return {i for i in ids if i is not None}


def _moved(obj):
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in ("starts_at", "course_id", "course"))


_LISTED = ("title", "summary", "status", "theme_slug", "format")  # what the catalogue filters and sorts by
_PLACES = ("capacity", "places_taken")


def _catalogue_entities(session):
    """The catalogue's entities this flush changed."""
    entities = set()
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, Course):
            entities |= {"catalogue", "catalogue-places"}
        elif isinstance(obj, CourseAudience):
            entities.add("catalogue")
    for obj in session.dirty:
        if isinstance(obj, Course):
            attrs = inspect(obj).attrs
            if any(attrs[name].history.has_changes() for name in _LISTED):
                entities.add("catalogue")
            if any(attrs[name].history.has_changes() for name in _PLACES):
                entities.add("catalogue-places")
    return entities


@event.listens_for(OrmSession, "after_flush")
def _collect_changed_sessions(session, _flush_context):
    from copractice import pieces

    pieces.changed(*_catalogue_entities(session), session=session)
    ids = set()
    for obj in session.new:
        if isinstance(obj, Session):
            ids |= _session_course_ids(obj)
    for obj in session.deleted:
        if isinstance(obj, Session):
            ids |= _session_course_ids(obj)
    for obj in session.dirty:  # a session taken off its course (deleted as an orphan) is among these
        if isinstance(obj, Session) and _moved(obj):
            ids |= _session_course_ids(obj)
    if ids:
        session.info.setdefault(_PENDING, set()).update(ids)


@event.listens_for(OrmSession, "after_flush_postexec")
def _refresh_after_flush(session, _flush_context):
    ids = session.info.pop(_PENDING, None)
    if ids:
        refresh(ids, session=session)
