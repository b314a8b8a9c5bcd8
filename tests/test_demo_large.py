"""The large demo data, at a tiny scale: counts as planned and derived state kept consistent."""
from functools import partial

from sqlalchemy import func, select, text

from copractice.attendance.models import Attendance, Certificate, Completion
from copractice.courses.models import Course, Enrolment, Session
from copractice.demo import create_demo_courses, create_demo_data
from copractice.extensions import db
from copractice.library import operations as library
from copractice.library.models import Resource, ResourceSearch
from copractice.members.models import Member
from copractice.timeutil import utcnow
from copractice_demo import large as demo_large

FACTOR = 0.002  # 200 members, 4 courses, 40 sessions, 100 resources


def _build(app):
    with app.test_request_context():
        _, members = create_demo_data()
        create_demo_courses(members)
        db.session.commit()
        counts = demo_large.create_large(factor=FACTOR)
        db.session.commit()
    return counts


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def test_counts_are_as_planned_and_written(app):
    counts = _build(app)
    plan = demo_large.planned(FACTOR)
    with app.app_context():
        assert counts["member"] == plan["members"] and _count(Member) == plan["members"] + 10
        assert counts["course"] == plan["courses"] and _count(Course) == plan["courses"] + 3
        assert counts["course_session"] == plan["sessions"]
        assert counts["resource"] == plan["resources"] == _count(Resource)
        assert 0 < counts["enrolment"] <= plan["enrolments"]
        assert 0 < counts["attendance"] <= plan["attendance marks"]
        assert counts["attendance"] == _count(Attendance)
        assert demo_large.large_present()


def test_derived_state_is_consistent(app):
    _build(app)
    with app.app_context():
        holders = dict(db.session.execute(
            select(Enrolment.course_id, func.count()).where(Enrolment.status.in_(("enrolled", "offered")))
            .group_by(Enrolment.course_id)).all())
        for course in db.session.scalars(select(Course)):
            assert course.places_taken == holders.get(course.id, 0), course.slug
            assert course.places_taken <= course.capacity
        waiting = db.session.scalars(select(Enrolment).where(Enrolment.status == "waiting")).all()
        assert waiting and all(e.queue_key is not None for e in waiting)
        # A waiting list only on a full course.
        assert all(e.course.places_taken == e.course.capacity for e in waiting)
        # Marks only for sessions that have started, and only of people with a place.
        future_marks = (select(func.count()).select_from(Attendance)
                        .join(Session, Session.id == Attendance.session_id).where(Session.starts_at > utcnow()))
        assert db.session.scalar(future_marks) == 0
        placeless = (select(func.count()).select_from(Attendance).join(Session, Session.id == Attendance.session_id)
                     .where(~select(Enrolment.id).where(Enrolment.course_id == Session.course_id,
                                                       Enrolment.member_id == Attendance.member_id,
                                                       Enrolment.status == "enrolled").exists()))
        assert db.session.scalar(placeless) == 0
        assert _count(Completion) == _count(Certificate)


def test_every_resource_can_be_found(app):
    _build(app)
    with app.test_request_context():
        assert _count(ResourceSearch) == _count(Resource)
        found = library.find(None, library.LibraryFilters(q="co-production"), per_page=5)
        assert found.page.total > 0
        assert db.session.scalar(select(func.count()).select_from(Resource).where(
            Resource.external_url.is_(None))) == 0
        assert None not in db.session.scalars(select(Resource.format)).all()


def test_showcase_course_for_benchmarks(app):
    _build(app)
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == demo_large.SHOWCASE_SLUG))
        emails = {f.member.email for f in course.facilitators}
        assert "facilitator@example.org" in emails
        trainee = db.session.scalar(select(Member).where(Member.email == "trainee@example.org"))
        assert db.session.scalar(select(Enrolment.status).where(
            Enrolment.course_id == course.id, Enrolment.member_id == trainee.id)) == "enrolled"
        # Ids were given explicitly: the sequences (on PostgreSQL) must have moved past them.
        db.session.add(Member(email="new@example.org", name="New", stakeholder_type="other"))
        db.session.commit()
        if db.engine.dialect.name == "sqlite":
            assert db.session.scalar(text("SELECT count(*) FROM resource_fts")) == _count(Resource)


def test_command_adds_large_data_once(app, runner, monkeypatch):
    monkeypatch.setattr(demo_large, "create_large", partial(demo_large.create_large, factor=FACTOR))
    original = demo_large.planned
    monkeypatch.setattr(demo_large, "planned", lambda factor=FACTOR: original(factor))
    result = runner.invoke(args=["demo-data", "--scale", "large"])
    assert result.exit_code == 0, result.output
    assert "Large demo data ready" in result.output
    again = runner.invoke(args=["demo-data", "--scale", "large"])
    assert again.exit_code == 0 and "already there" in again.output
    with app.app_context():
        assert _count(Member) == demo_large.planned(FACTOR)["members"] + 10
