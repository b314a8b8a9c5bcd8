"""Issue 12 point 4: the register of a session and a course's attendance report, light enough to be fast
uncached. The register is one form (one CSRF token, the member id in each mark button's value) and marks
exactly as before; neither page loads a Member object per person; the report's page never builds the
export table; a plugin's report column still gets its Member."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from copractice.attendance import operations as ops
from copractice.attendance import reports
from copractice.attendance.models import Attendance
from copractice.courses import operations as course_ops
from copractice.courses.models import CourseFacilitator
from copractice.extensions import db
from copractice.members.models import Member
from tests.conftest import AuthActions, create_member, csrf_from
from tests.factories_courses import create_course


def register_course(app, n_people, starts_in=timedelta(days=-1), sessions=2):
    """A course with ``n_people`` places run by fac@example.org (created once): (course id, session id, people ids)."""
    with app.test_request_context():
        fac = db.session.scalar(select(Member).where(Member.email == "fac@example.org")) or create_member(
            email="fac@example.org", role="facilitator")
        course = create_course(capacity=n_people + 5, sessions=sessions, starts_in=starts_in)
        people = [create_member(name=f"Person {i:02d}") for i in range(n_people)]
        admin = create_member(role="admin")
        for person in people:
            course_ops.enrol(person, course, organiser=admin)
        db.session.add(CourseFacilitator(course_id=course.id, member_id=fac.id))
        db.session.commit()
        return course.id, course.sessions[0].id, [p.id for p in people]


@pytest.fixture
def fac_client(app):
    client = app.test_client()
    client.logged_in = False
    return client


def log_in(client):
    if not client.logged_in:
        AuthActions(client).login("fac@example.org")
        client.logged_in = True


def register_url(session_id):
    return f"/manage/sessions/{session_id}/register"


def post_register(client, session_id, data):
    """Post the register's one form as a browser does: its CSRF token, and whatever the page's boxes hold."""
    page = client.get(register_url(session_id)).get_data(as_text=True)
    return client.post(register_url(session_id) + "/marks", data={"csrf_token": csrf_from(page), **data})


def marks_of(app, session_id):
    with app.app_context():
        return {a.member_id: (a.status, a.remark, a.source) for a in db.session.scalars(
            select(Attendance).where(Attendance.session_id == session_id))}


# -- one form -------------------------------------------------------------------------------------------------

def test_the_register_is_one_form_whatever_the_number_of_people(app, fac_client):
    small = register_course(app, 2)
    large = register_course(app, 9)
    log_in(fac_client)
    pages = [fac_client.get(register_url(session_id)).get_data(as_text=True) for _, session_id, _ in (small, large)]
    for page, (_, session_id, people) in zip(pages, (small, large), strict=True):
        forms = re.findall(r'<form method="post" action="([^"]+)"', page)
        assert forms.count(register_url(session_id) + "/marks") == 1
        for member_id in people:  # each mark button holds the person's id, and is named for its mark
            for status in ("present", "late", "excused", "absent"):
                assert f'<button name="{status}" value="{member_id}"' in page
                # its accessible name: the shared mark label and the person's name in the row's legend
                assert f'aria-labelledby="mark-{status} name-{member_id}"' in page
            assert f'<span id="name-{member_id}">' in page
        for status, label in (("present", "Present"), ("late", "Late")):
            assert page.count(f'<span id="mark-{status}" hidden>{label}:</span>') == 1
    # One CSRF token for the register, however many people: the page has as many tokens with 9 as with 2.
    assert pages[0].count('name="csrf_token"') == pages[1].count('name="csrf_token"')


def test_a_mark_button_saves_that_persons_mark_and_remark_only(app, fac_client):
    _, session_id, (a, b, c) = register_course(app, 3)
    log_in(fac_client)
    response = post_register(fac_client, session_id, {"late": str(b), f"remark-{b}": " Bus was late ",
                                                      f"remark-{c}": "typed but not saved"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#person-{b}")
    assert marks_of(app, session_id) == {b: ("late", "Bus was late", "register")}
    page = fac_client.get(register_url(session_id)).get_data(as_text=True)
    assert f'name="late" value="{b}" class="mark-button mark-button--late" aria-pressed="true"' in page
    assert f'name="remark-{b}" maxlength="500" value="Bus was late">' in page
    assert f'<input type="hidden" name="was-{b}" value="Bus was late">' in page
    # The same button again without the remark box (an old page, a script): the remark stays.
    post_register(fac_client, session_id, {"absent": str(b)})
    assert marks_of(app, session_id)[b] == ("absent", "Bus was late", "register")


def test_enter_in_a_remark_box_saves_changed_remarks_and_keeps_the_marks(app, fac_client):
    _, session_id, (a, b, c) = register_course(app, 3)
    log_in(fac_client)
    post_register(fac_client, session_id, {"absent": str(a)})
    post_register(fac_client, session_id, {"present": str(b), f"remark-{b}": "Left early"})
    with app.test_request_context():  # meanwhile, another facilitator changes b's remark
        from copractice.courses.models import Session
        ops.mark(None, db.session.get(Session, session_id), b, "present", remark="Left at 3pm")
        db.session.commit()
    # This page still shows b's old remark; Enter in a's box sends every box, and the form's first button.
    response = post_register(fac_client, session_id, {"save": "remarks", f"remark-{a}": "Phoned in sick",
                                                      f"remark-{b}": "Left early", f"was-{b}": "Left early",
                                                      f"remark-{c}": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#person-{a}")
    assert marks_of(app, session_id) == {a: ("absent", "Phoned in sick", "register"),
                                         b: ("present", "Left at 3pm", "register")}  # not overwritten


def test_enter_with_a_remark_for_someone_not_marked_keeps_the_text_and_says_what_to_do(app, fac_client):
    _, session_id, (a, b) = register_course(app, 2)
    log_in(fac_client)
    response = post_register(fac_client, session_id, {"save": "remarks", f"remark-{a}": "Coming late <b>today</b>"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Not saved yet: a remark is saved with a mark." in page
    assert f'value="Coming late &lt;b&gt;today&lt;/b&gt;" aria-describedby="remark-{a}-error">' in page
    assert f'id="remark-{a}-error"><span class="visually-hidden">Error:</span> Choose a mark' in page
    assert marks_of(app, session_id) == {}


@pytest.mark.parametrize("data", [
    {"present": "abc"}, {"present": "-1"}, {"present": "9" * 30}, {"present": "1", "late": "1"},
    {"save": "remarks", "remark-abc": "x"}, {"nothing": "here"},
])
def test_odd_posts_save_nothing_and_never_fail(app, fac_client, data):
    _, session_id, (a,) = register_course(app, 1)
    log_in(fac_client)
    response = post_register(fac_client, session_id, data)
    assert response.status_code == 302
    assert marks_of(app, session_id) == {}


def test_bad_remarks_are_refused_as_before(app, fac_client):
    _, session_id, (a,) = register_course(app, 1)
    log_in(fac_client)
    for data in ({"present": str(a), f"remark-{a}": "two\nlines"}, {"present": str(a), f"remark-{a}": "x" * 501},
                 {"save": "remarks", f"remark-{a}": "x" * 501}):
        response = post_register(fac_client, session_id, data)
        assert response.status_code == 302
        assert "could not be saved" in fac_client.get(register_url(session_id)).get_data(as_text=True)
    assert marks_of(app, session_id) == {}


def test_someone_without_a_place_is_a_404_and_a_session_not_started_says_so(app, fac_client):
    _, session_id, (a,) = register_course(app, 1)
    _, future_id, (f,) = register_course(app, 1, starts_in=timedelta(days=3))
    with app.app_context():
        stranger = create_member().id
    log_in(fac_client)
    assert post_register(fac_client, session_id, {"present": str(stranger)}).status_code == 404
    response = post_register(fac_client, future_id, {"present": str(f)})
    assert response.status_code == 302
    assert "This session has not started yet" in fac_client.get(register_url(future_id)).get_data(as_text=True)
    assert marks_of(app, session_id) == {} and marks_of(app, future_id) == {}


def test_without_the_csrf_token_nothing_is_marked(app, fac_client):
    _, session_id, (a,) = register_course(app, 1)
    log_in(fac_client)
    response = fac_client.post(register_url(session_id) + "/marks", data={"present": str(a)})
    assert response.status_code == 400
    assert marks_of(app, session_id) == {}


def test_check_ins_apologies_and_people_without_a_place_show_as_before(app, fac_client):
    _, session_id, (a, b, c) = register_course(app, 3, starts_in=timedelta(days=2))
    with app.test_request_context():
        from copractice.courses.models import Session
        session = db.session.get(Session, session_id)
        ops.send_apology(db.session.get(Member, a), session, "Hospital")
        later = session.starts_at + timedelta(minutes=5)
        ops.mark(None, session, b, "present", source="self_checkin", now=later)
        ops.mark(None, session, c, "absent", now=later)
        stranger = create_member(name="Sam <Stranger>")  # marked once, then no place: still on the register
        db.session.add(Attendance(session_id=session_id, member_id=stranger.id, status="late", source="register"))
        db.session.commit()
        stranger_id = stranger.id
    log_in(fac_client)
    page = fac_client.get(register_url(session_id)).get_data(as_text=True)
    assert "Excused (sent apologies)" in page and "Present (checked in)" in page and "Not marked yet" not in page
    assert (f'<span id="name-{stranger_id}">Sam &lt;Stranger&gt;</span> <span class="hint">(no place)</span>'
            in page)
    assert f'<input type="hidden" name="was-{a}" value="Hospital">' in page


# -- neither page loads a Member per person --------------------------------------------------------------------

def members_loaded(app, client, url):
    loaded = []

    def on_load(target, context):
        loaded.append(target.id)

    event.listen(Member, "load", on_load)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(Member, "load", on_load)
    return loaded


def test_the_register_and_the_report_load_no_member_object_per_person(app, fac_client):
    small = register_course(app, 2)
    large = register_course(app, 9)
    log_in(fac_client)
    for course_id, session_id, people in (small, large):
        for url in (register_url(session_id), f"/reports/courses/{course_id}"):
            loaded = members_loaded(app, fac_client, url)
            assert not set(loaded) & set(people), f"{url} loaded {len(loaded)} members"


def test_the_report_page_does_not_build_the_export_table(app, fac_client, monkeypatch):
    course_id, session_id, (a, b) = register_course(app, 2)
    log_in(fac_client)
    post_register(fac_client, session_id, {"present": str(a)})
    built = []
    table = reports.course_grid_table
    monkeypatch.setattr(reports, "course_grid_table", lambda grid: built.append(1) or table(grid))
    page = fac_client.get(f"/reports/courses/{course_id}").get_data(as_text=True)
    assert "<td>Present</td>" in page and built == []
    assert fac_client.get(f"/reports/courses/{course_id}?format=csv").status_code == 200 and built == [1]


class TestPluginColumn:
    @pytest.fixture
    def app_settings(self):
        return {"EXTRA_PLUGINS": ["watcher=tests.plugins.attendance_plugin"]}

    def test_a_plugins_report_column_still_gets_the_member(self, app, runner, fac_client):
        assert runner.invoke(args=["plugins", "enable", "watcher"]).exit_code == 0
        course_id, session_id, (a,) = register_course(app, 1)
        with app.app_context():
            db.session.get(Member, a).organisation = "Carers <Trust>"
            db.session.commit()
        log_in(fac_client)
        page = fac_client.get(f"/reports/courses/{course_id}").get_data(as_text=True)
        assert "<th scope=\"col\">Organisation (from plugin)</th>" in page
        assert "<td>Carers &lt;Trust&gt;</td>" in page
        csv_text = fac_client.get(f"/reports/courses/{course_id}?format=csv").get_data(as_text=True)
        assert csv_text.splitlines()[1].endswith("Carers <Trust>")


def test_the_grid_counts_and_hours_match_the_marks(app):
    course_id, session_id, (a, b, c) = register_course(app, 3, starts_in=timedelta(days=-10), sessions=3)
    with app.test_request_context():
        from copractice.courses.models import Course
        course = db.session.get(Course, course_id)
        first, second, third = course.sessions  # the third is still to come
        for session, marks in ((first, ("present", "excused", "absent")), (second, ("late", "absent", None))):
            for person, status in zip((a, b, c), marks, strict=True):
                if status:
                    ops.mark(None, session, person, status)
        ops.send_apology(db.session.get(Member, c), third)
        db.session.commit()
        grid = reports.course_grid(course)
        by_id = {row.member_id: row for row in grid.rows}
        hours = (first.ends_at - first.starts_at).total_seconds() / 3600
        assert (by_id[a].attended, by_id[a].excused, by_id[a].marked, by_id[a].hours) == (2, 0, 2, round(2 * hours, 2))
        assert (by_id[b].attended, by_id[b].excused, by_id[b].marked, by_id[b].hours) == (0, 1, 2, 0.0)
        assert (by_id[c].attended, by_id[c].excused, by_id[c].marked) == (0, 0, 2)  # the apology is to come
        assert grid.labels(by_id[c]) == ["Absent", "", "Excused"]
        assert grid.session_rates() == [(round(1 / 3, 3), round(2 / 3, 3)), (round(1 / 3, 3), round(1 / 3, 3)),
                                        (None, None)]


def test_remarks_for_someone_not_on_this_register_save_nothing(app, fac_client):
    """An attacker's form: remark boxes named for a member of another course (who has a mark there) and for an
    id that does not exist. Nothing is written, on either register, and the page answers."""
    _, session_id, (a,) = register_course(app, 1)
    _, other_session, (b,) = register_course(app, 1)
    log_in(fac_client)
    assert post_register(fac_client, other_session, {"present": str(b)}).status_code == 302
    before = marks_of(app, other_session)
    response = post_register(fac_client, session_id, {"save": "remarks", f"remark-{b}": "not yours",
                                                      "remark-99999999": "nobody"})
    assert response.status_code in (200, 302)
    assert marks_of(app, session_id) == {}
    assert marks_of(app, other_session) == before
