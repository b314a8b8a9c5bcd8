"""One unit of work per request: operations flush, the request commits once at its end or rolls back.

Runs on SQLite and, with COPRACTICE_TEST_DATABASE_URL set, on PostgreSQL.
"""
import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session as OrmSession

from copractice.attendance import operations as attendance_ops
from copractice.attendance.models import Attendance
from copractice.courses import operations as course_ops
from copractice.courses.models import Course, Enrolment
from copractice.extensions import db
from copractice.members.models import Member
from copractice.reading import reading_settings, save_reading_settings
from tests.conftest import create_member, post_form
from tests.factories_courses import create_course

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for p in [*ROOT.joinpath("copractice").rglob("*.py"), *ROOT.joinpath("plugins").rglob("*.py")]
                 if "tests" not in p.relative_to(ROOT).parts)

# Jobs that own their transaction: a delivery round's unit of work is one message's claim, then its outcome.
JOB_COMMITS = {("copractice/notifications/operations.py", "deliver_one", "commit"),
               ("copractice/notifications/operations.py", "watch", "rollback")}


def _calls(path, names):
    """(function, method) of every ``….commit()`` / ``….rollback()`` call in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)) else function
            if (isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute)
                    and child.func.attr in names):
                found.append((inner, child.func.attr))
            visit(child, inner)

    visit(tree, None)
    return found


def _is_view_module(path):
    return "Blueprint(" in path.read_text(encoding="utf-8")


def _is_operations_module(path):
    return path.name in ("operations.py", "reminders.py", "data_rights.py", "completion.py")


def test_views_never_commit_or_roll_back():
    views = [p for p in SOURCES if _is_view_module(p)]
    assert len(views) >= 10, "the view modules were not found"
    offending = [f"{p.relative_to(ROOT)}: {function}() calls .{method}()"
                 for p in views for function, method in _calls(p, ("commit", "rollback"))]
    assert not offending, "views leave the transaction to the request:\n" + "\n".join(offending)


def test_operations_never_commit_or_roll_back_the_whole_session():
    modules = [p for p in SOURCES if _is_operations_module(p)]
    assert len(modules) >= 6, "the operations modules were not found"
    offending = [f"{p.relative_to(ROOT)}: {function}() calls .{method}()"
                 for p in modules for function, method in _calls(p, ("commit", "rollback"))
                 if (str(p.relative_to(ROOT)), function, method) not in JOB_COMMITS]
    assert not offending, "operations flush; conflicts use savepoints:\n" + "\n".join(offending)


# -- requests ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def commits():
    """How many COMMITs reach the database while the test runs (releasing a savepoint is not one)."""
    counted = []

    def count(_connection):
        counted.append(1)

    event.listen(Engine, "commit", count)
    yield counted
    event.remove(Engine, "commit", count)


def _walk_in_setup(app, capacity=10):
    """A course whose first session has started, an organiser, and someone with no place yet."""
    with app.app_context():
        course = create_course(capacity=capacity, sessions=2, starts_in=timedelta(minutes=-30))
        organiser = create_member(role="admin", email="organiser@example.org")
        walker = create_member(email="walker@example.org", name="Walk In")
        return course.id, course.sessions[0].id, organiser.email, walker.id


def _walk_in(client, session_id):
    page = f"/manage/sessions/{session_id}/register"
    return post_form(client, f"{page}/walk-in", {"email": "walker@example.org"}, page=page)


def _counts(app, course_id, member_id):
    with app.app_context():
        enrolments = db.session.scalar(select(func.count(Enrolment.id)).where(
            Enrolment.course_id == course_id, Enrolment.member_id == member_id))
        marks = db.session.scalar(select(func.count(Attendance.id)).where(Attendance.member_id == member_id))
        taken = db.session.get(Course, course_id).places_taken
        return enrolments, marks, taken


def test_a_walk_in_commits_once(app, client, auth, commits):
    course_id, session_id, organiser, walker_id = _walk_in_setup(app)
    auth.login(organiser)
    token = _token(client, session_id)
    commits.clear()
    response = client.post(f"/manage/sessions/{session_id}/register/walk-in",
                           data={"csrf_token": token, "email": "walker@example.org"})
    assert response.status_code == 302
    assert len(commits) == 1, f"the walk-in committed {len(commits)} times"
    assert _counts(app, course_id, walker_id) == (1, 1, 1)


def _token(client, session_id):
    from tests.conftest import csrf_from

    return csrf_from(client.get(f"/manage/sessions/{session_id}/register").get_data(as_text=True))


@pytest.mark.parametrize("app_settings", [{"PROPAGATE_EXCEPTIONS": False}])
def test_a_walk_in_whose_mark_fails_leaves_neither_place_nor_mark(app, client, auth, monkeypatch):
    course_id, session_id, organiser, walker_id = _walk_in_setup(app)
    auth.login(organiser)
    real_mark = attendance_ops.mark
    enrolled_first = []

    def mark_fails(actor, session, member_id, *args, **kwargs):
        enrolled_first.append(db.session.scalar(select(Enrolment.status).where(
            Enrolment.course_id == course_id, Enrolment.member_id == member_id)))
        raise OperationalError("INSERT INTO attendance", {}, Exception("the database went away"))

    monkeypatch.setattr(attendance_ops, "mark", mark_fails)
    response = _walk_in(client, session_id)
    assert enrolled_first == ["enrolled"], "the mark was meant to fail after the enrolment was flushed"
    assert response.status_code == 500
    assert _counts(app, course_id, walker_id) == (0, 0, 0)
    monkeypatch.setattr(attendance_ops, "mark", real_mark)


def test_a_walk_in_whose_mark_is_refused_leaves_neither_but_the_page_works(app, client, auth, monkeypatch):
    course_id, session_id, organiser, walker_id = _walk_in_setup(app)
    auth.login(organiser)

    def mark_refused(*args, **kwargs):
        raise attendance_ops.AttendanceRefused("That mark cannot be made.")

    monkeypatch.setattr(attendance_ops, "mark", mark_refused)
    response = _walk_in(client, session_id)
    assert response.status_code == 302
    assert "That mark cannot be made." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert _counts(app, course_id, walker_id) == (0, 0, 0)


@pytest.mark.parametrize("app_settings", [{"PROPAGATE_EXCEPTIONS": False}])
def test_an_error_in_the_view_after_the_operation_saves_nothing(app, client, auth, make_member, monkeypatch):
    """The enrolment was flushed, then making the next page fails: the member is told it did not work."""
    from copractice.courses import views

    def next_page_fails(enrolment):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    member = make_member(email="member@example.org")
    with app.app_context():
        course = create_course()
        slug, course_id = course.slug, course.id
    auth.login("member@example.org")
    monkeypatch.setattr(views, "_enrolled_message", next_page_fails)
    response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}",
                         headers={"Referer": f"http://localhost/courses/{slug}"})
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "saved" not in html.lower()
    assert _counts(app, course_id, member.id) == (0, 0, 0)


@pytest.mark.parametrize("app_settings", [{"PROPAGATE_EXCEPTIONS": False}])
def test_a_commit_that_fails_shows_an_error_page_not_a_success(app, client, auth, make_member):
    member = make_member(email="member@example.org")
    with app.app_context():
        course = create_course()
        slug, course_id = course.slug, course.id
    auth.login("member@example.org")
    token_page = client.get(f"/courses/{slug}").get_data(as_text=True)

    def commit_fails(session):
        if any(isinstance(o, Enrolment) for o in session.identity_map.values()):
            raise OperationalError("COMMIT", {}, Exception("the database went away at commit"))

    event.listen(OrmSession, "before_commit", commit_fails)
    try:
        from tests.conftest import csrf_from

        response = client.post(f"/courses/{slug}/enrol", data={"csrf_token": csrf_from(token_page)})
    finally:
        event.remove(OrmSession, "before_commit", commit_fails)
    assert response.status_code == 500, "a change that was not saved must not be reported as done"
    assert "Location" not in response.headers
    assert _counts(app, course_id, member.id) == (0, 0, 0)


def test_an_abort_after_the_operation_rolls_back(app, client, auth, make_member, monkeypatch):
    """A 4xx says the request did not do what was asked: what the view flushed before it is not kept."""
    from flask import abort

    from copractice.courses import views

    def refuse(enrolment):
        abort(409)

    member = make_member(email="member@example.org")
    with app.app_context():
        course = create_course()
        slug, course_id = course.slug, course.id
    auth.login("member@example.org")
    monkeypatch.setattr(views, "_enrolled_message", refuse)
    response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    assert response.status_code == 409
    assert _counts(app, course_id, member.id) == (0, 0, 0)


# -- savepoints -------------------------------------------------------------------------------------------------------

def test_a_refused_operation_undoes_its_own_work_and_keeps_the_rest(app):
    """In one unit of work: a member's settings are saved, then an organiser's enrolment is refused
    (the course is full) after it had written its row. The settings stay; the refused row does not."""
    with app.test_request_context():
        course = create_course(capacity=1)
        organiser, first, second = create_member(role="admin"), create_member(), create_member()
        course_ops.enrol(first, course, organiser=organiser)
        db.session.commit()
        save_reading_settings(second, text_size="large", spacing="wide", contrast="high", reduced_motion=True)
        with pytest.raises(course_ops.EnrolmentRefused, match="The course is full"):
            course_ops.enrol(second, course, organiser=organiser)
        db.session.commit()  # the end of the unit of work
        second_id, course_id = second.id, course.id
    with app.app_context():
        second = db.session.get(Member, second_id)
        assert reading_settings(second)["text_size"] == "large"
        assert db.session.scalar(select(func.count(Enrolment.id)).where(Enrolment.member_id == second_id)) == 0
        assert db.session.get(Course, course_id).places_taken == 1


def test_a_double_enrolment_conflict_rolls_back_only_its_savepoint(app):
    """The unique key refuses a second row for the same member; work before it in the unit stays."""
    with app.test_request_context():
        course = create_course(capacity=5)
        member, other = create_member(), create_member()
        save_reading_settings(other, text_size="large", spacing="wide", contrast="high", reduced_motion=True)
        db.session.add(Enrolment(course_id=course.id, member_id=member.id, status="enrolled",
                                 created_at=course.sessions[0].starts_at, updated_at=course.sessions[0].starts_at))
        db.session.flush()
        real = course_ops.enrolment_of
        calls = []

        def not_seen_the_first_time(m, c):  # as if another request inserted it a moment ago
            calls.append(1)
            return None if len(calls) == 1 else real(m, c)

        course_ops.enrolment_of = not_seen_the_first_time
        try:
            result = course_ops.enrol(member, course)
        finally:
            course_ops.enrolment_of = real
        assert result.status == "enrolled"
        db.session.commit()
        other_id = other.id
    with app.app_context():
        assert reading_settings(db.session.get(Member, other_id))["text_size"] == "large"


def test_a_savepoint_first_in_a_transaction_does_not_commit_it(app):
    """SQLite: a SAVEPOINT that opened the transaction would commit everything when released."""
    with app.test_request_context():
        member = create_member()
        member_id = member.id
        with db.session.begin_nested():
            member.name = "Changed in a savepoint"
        db.session.rollback()
    with app.app_context():
        assert db.session.get(Member, member_id).name != "Changed in a savepoint"


def test_send_reminders_commits_once(app, runner, commits):
    with app.app_context():
        course = create_course(sessions=1, starts_in=timedelta(hours=5))
        for _ in range(3):
            course_ops.enrol(create_member(), course)
        db.session.commit()
        course_id = course.id
    commits.clear()
    result = runner.invoke(args=["send-reminders"])
    assert result.exit_code == 0, result.output
    assert "reminders queued 3" in result.output
    assert len(commits) == 1
    with app.app_context():
        from copractice.notifications.models import SessionReminder

        assert db.session.scalar(select(func.count(SessionReminder.id))) == 3
        assert db.session.get(Course, course_id).places_taken == 3
