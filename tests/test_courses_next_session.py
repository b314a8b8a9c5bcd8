"""course.next_session_at: right after every session write, moved on as time passes, and never trusted once passed."""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from copractice.courses import catalogue as finder
from copractice.courses import operations as ops
from copractice.courses.models import Course, Session
from copractice.courses.next_session import advance_next_sessions
from copractice.extensions import db
from copractice.jobs import jobs_for
from copractice.timeutil import utcnow
from tests.factories_courses import create_course


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def kept(course):
    """The stored value, read from the database (not from the session's copy)."""
    return db.session.scalar(select(Course.next_session_at).where(Course.id == course.id))


def starts(course):
    return sorted(s.starts_at for s in db.session.scalars(select(Session).where(Session.course_id == course.id)))


def test_a_course_written_with_its_sessions_knows_its_next_one(ctx):
    course = create_course(sessions=3, starts_in=timedelta(days=2))
    assert kept(course) == starts(course)[0]
    assert course.next_session_at == starts(course)[0]
    assert kept(create_course(sessions=0)) is None
    assert kept(create_course(sessions=2, starts_in=timedelta(days=-30))) is None  # all in the past


def test_adding_moving_and_deleting_sessions_keeps_it_right(ctx):
    course = create_course(sessions=2, starts_in=timedelta(days=10))
    first, second = starts(course)
    now = utcnow().replace(microsecond=0)

    earlier = now + timedelta(days=3)
    ops.add_sessions(None, course, [(earlier, earlier + timedelta(hours=1))])
    db.session.commit()
    assert kept(course) == earlier

    added = db.session.scalar(select(Session).where(Session.course_id == course.id, Session.starts_at == earlier))
    later = second + timedelta(days=1)
    ops.update_session(None, added, starts_at=later, ends_at=later + timedelta(hours=1), venue=None,
                       online_link=None, note=None)
    db.session.commit()
    assert kept(course) == first  # the moved session is no longer the next one

    first_session = db.session.scalar(select(Session).where(Session.course_id == course.id, Session.starts_at == first))
    ops.delete_session(None, first_session)
    db.session.commit()
    assert kept(course) == second

    for session in list(course.sessions):
        ops.delete_session(None, session)
    db.session.commit()
    assert kept(course) is None


def test_moving_a_session_into_the_past_moves_the_next_one_on(ctx):
    course = create_course(sessions=2, starts_in=timedelta(days=1))
    first, second = starts(course)
    session = db.session.scalar(select(Session).where(Session.course_id == course.id, Session.starts_at == first))
    past = utcnow().replace(microsecond=0) - timedelta(days=1)
    ops.update_session(None, session, starts_at=past, ends_at=past + timedelta(hours=1), venue=None,
                       online_link=None, note=None)
    db.session.commit()
    assert kept(course) == second


def test_the_job_moves_on_courses_whose_next_session_has_started(ctx):
    soon = create_course(title="Starts in an hour", sessions=2, starts_in=timedelta(hours=1))
    other = create_course(title="Untouched", sessions=1, starts_in=timedelta(days=3))
    first, second = starts(soon)
    later = utcnow() + timedelta(hours=2)  # the first session has started

    assert advance_next_sessions(now=later) == 1
    db.session.commit()
    assert kept(soon) == second and kept(other) == starts(other)[0]
    assert advance_next_sessions(now=later) == 0  # safe to run again

    assert advance_next_sessions(now=second + timedelta(minutes=1)) == 2  # both have started by then
    db.session.commit()
    assert kept(soon) is None and kept(other) is None


def test_the_job_runs_on_the_engine_every_minute(app):
    jobs = jobs_for(app)
    jobs.huey  # noqa: B018  (defines the tasks)
    task = jobs.tasks["advance_next_sessions"]
    assert task.s().validate_datetime(datetime(2026, 12, 7, 7, 1)) and task.s().validate_datetime(datetime(2026, 12, 7, 7, 2))
    with app.app_context():
        course_id = create_course(sessions=2, starts_in=timedelta(days=1)).id
        db.session.execute(update(Course).where(Course.id == course_id)
                           .values(next_session_at=utcnow() - timedelta(hours=1)))  # as if a session had started
        db.session.commit()
    task.call_local()  # the job's own unit of work: it commits
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert kept(course) == starts(course)[0]


def test_the_catalogue_is_right_before_the_job_has_run(ctx):
    """A kept value that has passed is never trusted: the order and the date shown come from the sessions."""
    create_course(title="Started, next in ten days", sessions=0)
    a = db.session.scalar(select(Course).where(Course.title == "Started, next in ten days"))
    now = utcnow().replace(microsecond=0)
    ops.add_sessions(None, a, [(now + timedelta(hours=1), now + timedelta(hours=2)),
                               (now + timedelta(days=10), now + timedelta(days=10, hours=1))])
    create_course(title="Next in five days", starts_in=timedelta(days=5))
    create_course(title="Finished", sessions=1, starts_in=timedelta(hours=1, minutes=30))
    db.session.commit()
    later = now + timedelta(hours=3)  # both first sessions have started; the job has not run

    page = finder.catalogue(finder.CatalogueFilters(), now=later)
    assert [c.title for c in page.items] == ["Next in five days", "Started, next in ten days", "Finished"]
    assert page.items[1].next_start == now + timedelta(days=10)
    assert page.items[2].next_start is None and page.total == 3


def test_the_large_demo_data_fills_it(app):
    """The benchmark's data is written with COPY, not the ORM: it must fill the column itself."""
    from copractice_demo import large as demo_large
    from tests.test_demo_large import _build

    _build(app)
    with app.app_context():
        now = utcnow()
        courses = db.session.scalars(select(Course)).all()
        assert courses and any(c.next_session_at for c in courses) and demo_large.large_present()
        for course in courses:
            upcoming = [s.starts_at for s in course.sessions if s.starts_at > now]
            assert course.next_session_at == (min(upcoming) if upcoming else None), course.slug
