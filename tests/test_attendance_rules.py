"""Marks only for people with a place and for sessions that have started; a course's facilitators take its register."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from copractice.attendance import operations as ops
from copractice.attendance.models import Attendance, Certificate, Completion
from copractice.courses import operations as course_ops
from copractice.courses.models import CourseFacilitator, Enrolment
from copractice.extensions import db
from copractice.members.models import Member
from copractice.permissions import can
from tests.conftest import AuthActions, create_member, csrf_from, post_form
from tests.factories_courses import create_course


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def course_with(facilitator_email="fac@example.org", role="facilitator", starts_in=timedelta(hours=-1), people=1,
                lived_experience=False):
    """A course with one session, a facilitator and ``people`` members with a place; returns their ids."""
    course = create_course(starts_in=starts_in, capacity=10)
    facilitator = create_member(email=facilitator_email, role=role, name="Fran Facilitator")
    db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id, lived_experience=lived_experience))
    enrolled = [create_member(name=f"Placed Person {i}") for i in range(people)]
    for person in enrolled:
        db.session.add(Enrolment(course_id=course.id, member_id=person.id, status="enrolled"))
    course.places_taken = people
    db.session.commit()
    return course, facilitator, enrolled


# -- a mark needs a place ---------------------------------------------------------------------------------------

def test_marking_someone_never_enrolled_is_404_names_nobody_and_issues_no_certificate(app, client):
    with app.test_request_context():
        course, _, _ = course_with()
        stranger = create_member(name="Zebedee Quillfeather")
        session_id, stranger_id = course.sessions[0].id, stranger.id
    AuthActions(client).login("fac@example.org")
    register = f"/manage/sessions/{session_id}/register"
    token = csrf_from(client.get(register).get_data(as_text=True))
    for member_id in (stranger_id, stranger_id + 1000):  # someone real without a place, and nobody at all
        response = client.post(f"{register}/{member_id}", data={"csrf_token": token, "status": "present"})
        assert response.status_code == 404
        assert "Zebedee" not in response.get_data(as_text=True)
    assert "Zebedee" not in client.get(register).get_data(as_text=True)
    with app.app_context():
        assert (count(Attendance), count(Completion), count(Certificate)) == (0, 0, 0)


def test_mark_refuses_no_place_but_a_walk_in_gets_one(ctx):
    course, facilitator, (placed,) = course_with()
    stranger, session = create_member(), course.sessions[0]
    with pytest.raises(ops.NoPlace):
        ops.mark(facilitator, session, stranger.id, "present")
    db.session.rollback()
    ops.add_walk_in(facilitator, session, stranger)
    ops.mark(facilitator, session, placed.id, "present")
    db.session.commit()
    assert {ops.current_mark(session.id, m.id).status for m in (stranger, placed)} == {"present"}


def test_a_mark_already_made_can_be_corrected_after_the_place_is_given_up(ctx):
    course, facilitator, (placed,) = course_with()
    session = course.sessions[0]
    ops.mark(facilitator, session, placed.id, "present")
    db.session.commit()
    course_ops.cancel_place(placed, course)
    ops.mark(facilitator, session, placed.id, "late", remark="Came at half past")
    db.session.commit()
    assert ops.current_mark(session.id, placed.id).status == "late"


# -- only sessions that have started -----------------------------------------------------------------------------

def test_a_future_session_cannot_be_marked_but_apologies_still_make_excused(ctx):
    course, facilitator, (a, b) = course_with(starts_in=timedelta(days=3), people=2)
    session = course.sessions[0]
    with pytest.raises(ops.AttendanceRefused, match="has not started yet"):
        ops.mark(facilitator, session, a.id, "present")
    with pytest.raises(ops.AttendanceRefused, match="has not started yet"):
        ops.mark_everyone_present(facilitator, session)
    db.session.rollback()
    ops.send_apology(b, session, "Hospital appointment")
    db.session.commit()
    assert ops.current_mark(session.id, a.id) is None
    assert ops.current_mark(session.id, b.id).status == "excused"
    assert count(Completion) == 0


def test_marks_open_with_check_in(ctx):
    course, facilitator, (a,) = course_with(starts_in=timedelta(minutes=10))  # check-in opens 30 minutes before
    ops.mark(facilitator, course.sessions[0], a.id, "present")
    db.session.commit()
    assert ops.current_mark(course.sessions[0].id, a.id).status == "present"


def test_a_walk_in_for_a_future_session_is_refused_before_any_place_is_given(ctx):
    course, facilitator, _ = course_with(starts_in=timedelta(days=3))
    stranger = create_member()
    with pytest.raises(ops.AttendanceRefused, match="has not started yet"):
        ops.add_walk_in(facilitator, course.sessions[0], stranger)
    db.session.rollback()
    assert course_ops.enrolment_of(stranger, course) is None


def test_the_register_of_a_future_session_says_so_and_marking_there_explains(app, client):
    with app.test_request_context():
        course, _, (a,) = course_with(starts_in=timedelta(days=3))
        session_id, a_id = course.sessions[0].id, a.id
    AuthActions(client).login("fac@example.org")
    register = f"/manage/sessions/{session_id}/register"
    assert "This session has not started yet" in client.get(register).get_data(as_text=True)
    for url, data in ((f"{register}/{a_id}", {"status": "present"}), (f"{register}/everyone-present", {}),
                      (f"{register}/walk-in", {"email": "fac@example.org"})):
        page = post_form(client, url, data, page=register, follow_redirects=True)
        assert page.status_code == 200
        assert "nobody can be marked for it" in page.get_data(as_text=True), url
    with app.app_context():
        assert count(Attendance) == 0


# -- being a course's facilitator is what counts ------------------------------------------------------------------

def test_a_trainee_co_facilitator_takes_the_register_of_their_course_only(app, client):
    with app.test_request_context():
        course, _, (a,) = course_with(facilitator_email="cofac@example.org", role="trainee", lived_experience=True)
        other = create_course(starts_in=timedelta(hours=-1))
        session_id, other_session_id, a_id = course.sessions[0].id, other.sessions[0].id, a.id
        course_id, title = course.id, course.title
    AuthActions(client).login("cofac@example.org")
    assert 'href="/manage/courses"' in client.get("/learning").get_data(as_text=True)  # "Courses I run" in the menu
    assert title in client.get("/manage/courses").get_data(as_text=True)
    register = f"/manage/sessions/{session_id}/register"
    assert client.get(register).status_code == 200
    assert post_form(client, f"{register}/{a_id}", {"status": "present"}, page=register).status_code == 302
    assert client.get(f"/manage/sessions/{other_session_id}/register").status_code == 403
    assert client.get(f"/manage/courses/{course_id}/edit").status_code == 403  # running is not managing
    with app.app_context():
        assert ops.current_mark(session_id, a_id).status == "present"


def test_courses_organise_asks_whether_they_run_a_course(ctx):
    course, cofac, _ = course_with(role="trainee")
    plain = create_member()
    cofac, plain = db.session.get(Member, cofac.id), db.session.get(Member, plain.id)
    assert can(cofac, "courses.organise") and can(cofac, "course.run", course)
    assert not can(plain, "courses.organise") and not can(plain, "course.run", course)
    assert not can(cofac, "course.manage", course)
