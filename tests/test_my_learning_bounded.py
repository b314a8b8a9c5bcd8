"""My learning after issue 12 point 4: its work is bounded whatever a member's history (the next sessions and the
newest courses of each list, with how many there are in all and paged lists for the rest), courses that have
finished are not listed as places, and its statements do not grow with waiting lists or history."""
import re
from datetime import timedelta

import pytest

from copractice.attendance.models import Certificate, Completion
from copractice.courses.models import Enrolment
from copractice.extensions import db
from copractice.timeutil import utcnow
from tests.conftest import AuthActions, create_member
from tests.factories_courses import create_course
from tests.query_budget import queries_for

EMAIL = "history@example.org"


def items(html, css_class):
    return re.findall(rf'<li class="{css_class}"', html)


def section(html, heading):
    """The HTML from an <h2> to the next one."""
    return html.split(f"<h2>{heading}</h2>", 1)[1].split("<h2>", 1)[0]


def seed_history(app, *, upcoming_courses, cancelled, completed, waiting=0):
    """A member with years of courses: places on courses to come (3 sessions each), cancelled places, completed
    courses with certificates, places on waiting lists (each behind one other person)."""
    with app.app_context():
        member = create_member(email=EMAIL)
        other = create_member()
        for i in range(upcoming_courses):
            course = create_course(title=f"Coming course {i}", sessions=3, starts_in=timedelta(days=3 + i))
            db.session.add(Enrolment(course_id=course.id, member_id=member.id, status="enrolled"))
        for i in range(cancelled):
            course = create_course(title=f"Cancelled course {i}", sessions=1)
            db.session.add(Enrolment(course_id=course.id, member_id=member.id, status="cancelled"))
        for i in range(completed):
            course = create_course(title=f"Done course {i}", sessions=2, starts_in=timedelta(days=-400 + i))
            db.session.add_all([
                Enrolment(course_id=course.id, member_id=member.id, status="enrolled"),
                Completion(course_id=course.id, member_id=member.id, completed_at=utcnow() - timedelta(days=300 - i),
                           attended=2, counted=2),
                Certificate(code=f"CODE{i:04d}", course_id=course.id, member_id=member.id)])
        for i in range(waiting):
            course = create_course(title=f"Full course {i}", capacity=0)
            db.session.add_all([Enrolment(course_id=course.id, member_id=other.id, status="waiting", queue_key=1.0),
                                Enrolment(course_id=course.id, member_id=member.id, status="waiting", queue_key=2.0)])
        db.session.commit()
        return member.id


def logged_in(app):
    client = app.test_client()
    AuthActions(client).login(EMAIL)
    return client


def test_my_learning_shows_the_next_sessions_and_the_newest_courses_with_totals(app):
    seed_history(app, upcoming_courses=12, cancelled=14, completed=13)
    client = logged_in(app)
    html = client.get("/learning").get_data(as_text=True)
    coming = section(html, "Coming up")
    assert len(items(coming, "session-list__item")) == 10
    assert "You have 36 sessions coming up in all" in coming and 'href="/learning/sessions"' in coming
    assert len(items(section(html, "Places you cancelled"), "learning-row")) == 10
    assert "These are the newest 10 of 14" in html and 'href="/learning/courses"' in html
    done = section(html, "Courses you have completed")
    assert len(items(done, "learning-row")) == 10 and "Done course 12" in done and "Done course 0<" not in done
    assert "newest 10 of the 13 courses you have completed" in done
    assert done.count("Download your certificate") == 10
    # Finished courses appear once, with the completions, never as a place you could cancel.
    places = section(html, "Courses you have a place on")
    assert "Done course" not in places and places.count("Cancel my place") == len(items(places, "learning-row")) == 10


def test_every_session_coming_up_is_a_page_or_two_away(app):
    seed_history(app, upcoming_courses=12, cancelled=0, completed=0)
    client = logged_in(app)
    first = client.get("/learning/sessions").get_data(as_text=True)
    second = client.get("/learning/sessions?page=2").get_data(as_text=True)
    assert len(items(first, "session-list__item")) == 25 and len(items(second, "session-list__item")) == 11
    assert "Page 1 of 2" in first and 'href="/learning/sessions?page=2"' in first
    assert "Cannot come? Send apologies" in second and "Join online:" in second
    for bad in ("?page=abc", "?page=-3", "?page=99999", "?page=1e9"):
        response = client.get("/learning/sessions" + bad)
        assert response.status_code == 200, bad


def test_every_course_is_listed_a_page_at_a_time(app):
    seed_history(app, upcoming_courses=3, cancelled=14, completed=13, waiting=2)
    client = logged_in(app)
    first = client.get("/learning/courses").get_data(as_text=True)
    second = client.get("/learning/courses?page=2").get_data(as_text=True)
    assert len(items(first, "learning-row")) == 25 and len(items(second, "learning-row")) == 7
    both = first + second
    assert both.count(": Cancelled") == 14 and both.count(": On the waiting list") == 2
    assert both.count(": Finished, completed on") == 13 and both.count("Download your certificate") == 13
    assert both.count(": You have a place") == 3
    assert client.get("/learning/courses?page=50").status_code == 200


def test_waiting_positions_come_from_one_statement(app):
    counts = []
    for waiting in (1, 4):
        with app.app_context():
            from tests.conftest import empty_all_tables

            empty_all_tables()
            db.session.commit()
        seed_history(app, upcoming_courses=1, cancelled=1, completed=1, waiting=waiting)
        client = logged_in(app)
        html = client.get("/learning").get_data(as_text=True)
        assert html.count("number 2 on the waiting list") == waiting
        counts.append(queries_for(app, client, "/learning")[1])
    assert counts[0] == counts[1], f"statements grew with the waiting lists: {counts}"


@pytest.mark.parametrize("history", [1, 5])
def test_my_learning_runs_a_fixed_number_of_statements(app, history):
    seed_history(app, upcoming_courses=2 * history, cancelled=3 * history, completed=3 * history, waiting=history)
    client = logged_in(app)
    client.get("/learning")
    status, count = queries_for(app, client, "/learning")
    assert status == 200
    # The member (login, with its theme leaderships), then one statement for the sessions coming up, the lists of
    # courses, the completions and the hours (plus the plugin switches where the test settings do not keep them).
    assert count <= 4, count
