"""Attendance: registers, apologies, check-in, online reports, completion, certificates, hours and reports."""
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from copractice.attendance import operations as ops
from copractice.attendance import reports
from copractice.attendance.models import Attendance, AttendanceChange, Completion
from copractice.courses import operations as course_ops
from copractice.courses.models import CourseFacilitator
from copractice.extensions import db
from copractice.members.models import Member
from tests.conftest import AuthActions, create_member, post_form
from tests.factories_courses import create_course
from tests.query_budget import queries_for


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def enrolled_course(n_people=3, sessions=4, capacity=10, starts_in=timedelta(days=-30), **kw):
    course = create_course(capacity=capacity, sessions=sessions, starts_in=starts_in, **kw)
    people = [create_member(name=f"Person {i}") for i in range(n_people)]
    for p in people:
        course_ops.enrol(p, course, organiser=create_member(role="admin"))
    return course, people


def mark_of(session, member):
    row = ops.current_mark(session.id, member.id)
    return row.status if row else None


# -- register -------------------------------------------------------------------------------------------------

def test_marks_are_set_changed_and_every_change_is_logged(ctx):
    course, (a, b, c) = enrolled_course()
    session, lead = course.sessions[0], create_member(role="admin", name="Ann Admin")
    ops.mark(lead, session, a.id, "present")
    ops.mark(lead, session, a.id, "late", remark="Bus was late")
    ops.mark(lead, session, a.id, "late", remark="Bus was late")  # no change: not logged again
    db.session.commit()
    changes = db.session.scalars(select(AttendanceChange).where(AttendanceChange.member_id == a.id)
                                 .order_by(AttendanceChange.id)).all()
    assert [(x.old_status, x.new_status, x.new_remark) for x in changes] == [
        (None, "present", None), ("present", "late", "Bus was late")]
    assert all(x.changed_by_id == lead.id and x.at for x in changes)
    assert db.session.query(Attendance).count() == 1


def test_everyone_present_keeps_apologies_then_exceptions(ctx):
    course, (a, b, c) = enrolled_course(starts_in=timedelta(days=2))
    session = course.sessions[0]
    ops.send_apology(b, session, "Hospital appointment")
    lead = create_member(role="admin")
    later = session.starts_at + timedelta(minutes=5)
    assert ops.mark_everyone_present(lead, session, now=later) == 2
    ops.mark(lead, session, c.id, "absent", now=later)
    db.session.commit()
    assert [mark_of(session, p) for p in (a, b, c)] == ["present", "excused", "absent"]


def test_register_page_marks_with_one_tap(app, client):
    with app.test_request_context():
        course, (a, b, c) = enrolled_course()
        fac = create_member(email="fac@example.org", role="facilitator")
        db.session.add(CourseFacilitator(course_id=course.id, member_id=fac.id))
        db.session.commit()
        session_id, a_id = course.sessions[0].id, a.id
    AuthActions(client).login("fac@example.org")
    page = client.get(f"/manage/sessions/{session_id}/register").get_data(as_text=True)
    assert page.count('<button name="present" value=') == 3 and "Not marked yet" in page
    response = post_form(client, f"/manage/sessions/{session_id}/register/marks", {"late": a_id, f"remark-{a_id}": "10 min"},
                         page=f"/manage/sessions/{session_id}/register")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#person-{a_id}")
    page = client.get(f"/manage/sessions/{session_id}/register").get_data(as_text=True)
    assert f'name="late" value="{a_id}" class="mark-button mark-button--late" aria-pressed="true"' in page
    history = client.get(f"/manage/sessions/{session_id}/register/history").get_data(as_text=True)
    assert "Not marked" in history and "Late (10 min)" in history


def test_walk_in_gets_a_place_and_is_marked_present_but_never_overbooks(ctx):
    course, people = enrolled_course(n_people=2, capacity=3)
    session, lead = course.sessions[0], create_member(role="admin")
    walker = create_member(name="Walk In")
    ops.add_walk_in(lead, session, walker)
    db.session.commit()
    assert course_ops.enrolment_of(walker, course).status == "enrolled" and mark_of(session, walker) == "present"
    with pytest.raises(ops.AttendanceRefused, match="The course is full"):
        ops.add_walk_in(lead, session, create_member())


# -- apologies ------------------------------------------------------------------------------------------------

def test_apologies_before_the_session_show_as_excused_and_can_be_withdrawn(ctx):
    course, (a, b, c) = enrolled_course(starts_in=timedelta(days=3))
    session = course.sessions[0]
    ops.send_apology(a, session, "Caring duties")
    db.session.commit()
    row = ops.current_mark(session.id, a.id)
    assert (row.status, row.source, row.remark) == ("excused", "apology", "Caring duties")
    ops.withdraw_apology(a, session)
    db.session.commit()
    assert mark_of(session, a) is None
    with pytest.raises(ops.AttendanceRefused, match="already started"):
        ops.send_apology(a, session, now=session.starts_at + timedelta(minutes=1))
    with pytest.raises(ops.AttendanceRefused, match="do not have a place"):
        ops.send_apology(create_member(), session)


# -- self check-in --------------------------------------------------------------------------------------------

def test_check_in_with_the_code_inside_the_window(ctx):
    course, (a, b, c) = enrolled_course(starts_in=timedelta(days=1))
    session = course.sessions[0]
    now = session.starts_at - timedelta(minutes=5)
    code, _ = ops.current_checkin_code(session, now)
    attendance, changed = ops.self_check_in(a, code, now=now)
    assert (attendance.status, attendance.source, changed) == ("present", "self_checkin", True)
    again, changed = ops.self_check_in(a, code, now=now)
    assert changed is False and again.status == "present"
    late = session.starts_at + timedelta(minutes=20)
    attendance, _ = ops.self_check_in(b, ops.current_checkin_code(session, late)[0], session=session, now=late)
    assert attendance.status == "late"


def test_check_in_refusals_are_clear(ctx):
    course, (a, b, c) = enrolled_course(starts_in=timedelta(days=1))
    session = course.sessions[0]
    inside = session.starts_at
    code, _ = ops.current_checkin_code(session, inside)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ops.AttendanceRefused, match="That code is not right"):
        ops.self_check_in(a, wrong, session=session, now=inside)
    with pytest.raises(ops.AttendanceRefused, match="opens at"):
        ops.self_check_in(a, code, session=session, now=session.starts_at - timedelta(hours=2))
    with pytest.raises(ops.AttendanceRefused, match="has closed"):
        ops.self_check_in(a, code, session=session, now=session.ends_at + timedelta(hours=1))
    with pytest.raises(ops.AttendanceRefused, match="do not have a place"):
        ops.self_check_in(create_member(), code, session=session, now=inside)
    with pytest.raises(ops.AttendanceRefused, match="no session open for check-in"):
        ops.self_check_in(create_member(), code, now=inside)


def test_the_code_rotates_and_the_previous_one_works_briefly(ctx):
    course, (a, b, c) = enrolled_course(starts_in=timedelta(days=1))
    session = course.sessions[0]
    base = session.starts_at.replace(second=0)  # the start of a 60-second slot
    old_code = ops.current_checkin_code(session, base - timedelta(seconds=1))[0]
    new_code = ops.current_checkin_code(session, base)[0]
    assert old_code != new_code and len(new_code) == 6
    ops.self_check_in(a, old_code, session=session, now=base + timedelta(seconds=20))  # within the grace time
    with pytest.raises(ops.AttendanceRefused, match="not right"):
        ops.self_check_in(b, old_code, session=session, now=base + timedelta(seconds=40))


def test_check_in_through_the_qr_link(app, client):
    with app.test_request_context():
        course = create_course(starts_in=timedelta(minutes=5))
        me = create_member(email="qr@example.org")
        course_ops.enrol(me, course)
        db.session.commit()
        session = course.sessions[0]
        code = ops.current_checkin_code(session)[0]
        session_id = session.id
    AuthActions(client).login("qr@example.org")
    form = client.get(f"/check-in/{session_id}?code={code}").get_data(as_text=True)
    assert f'value="{code}"' in form
    done = post_form(client, f"/check-in/{session_id}", {"code": code}, page=f"/check-in/{session_id}?code={code}")
    assert "You are checked in" in done.get_data(as_text=True)
    wrong = post_form(client, "/check-in", {"code": "000000" if code != "000000" else "111111"})
    assert "That code is not right" in wrong.get_data(as_text=True) and "There is a problem" in wrong.get_data(as_text=True)


# -- online participant reports ------------------------------------------------------------------------------------

def test_online_report_marks_by_email_with_a_threshold_and_lists_the_unmatched(ctx):
    course, (a, b, c) = enrolled_course()
    outsider = create_member(name="No Place")
    report = (
        "Name (original name),User Email,Duration (Minutes)\n"
        f"Person 0,{a.email.upper()},40\n"
        f"Person 0,{a.email},25\n"  # rejoined: minutes add up
        f"Person 1,{b.email},20\n"
        "Someone Else,someone@elsewhere.example,55\n"
        f"No Place,{outsider.email},60\n")
    result = ops.import_participant_report(create_member(role="admin"), course.sessions[0], report, min_minutes=45)
    db.session.commit()
    assert [(m.id, mins) for m, mins in result.present] == [(a.id, 65)]
    assert [(m.id, mins) for m, mins in result.absent] == [(b.id, 20)]
    assert result.unmatched == [("Someone Else", "someone@elsewhere.example", 55)]
    assert [m.id for m, _ in result.no_place] == [outsider.id]
    session = course.sessions[0]
    assert (mark_of(session, a), mark_of(session, b), mark_of(session, c)) == ("present", "absent", None)


def test_a_bad_report_imports_nothing(ctx):
    course, (a, b, c) = enrolled_course()
    bad = f"Email,Minutes\n{a.email},60\n{b.email},sixty\n"
    with pytest.raises(ops.ImportProblem, match="Row 3: the minutes are not a number"):
        ops.import_participant_report(None, course.sessions[0], bad, 30)
    db.session.rollback()
    assert db.session.query(Attendance).count() == 0
    with pytest.raises(ops.ImportProblem, match="needs a column of minutes"):
        ops.import_participant_report(None, course.sessions[0], "Name,Joined\nX,10:00\n", 30)


def test_import_page_refuses_a_binary_file(app, client):
    with app.test_request_context():
        course, _ = enrolled_course()
        create_member(email="boss@example.org", role="admin")
        session_id = course.sessions[0].id
    AuthActions(client).login("boss@example.org")
    url = f"/manage/sessions/{session_id}/import"
    from tests.conftest import csrf_from

    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "min_minutes": "30",
                                      "report": (io.BytesIO(b"MZ\x90\x00\x03\x00binary"), "report.csv")},
                           content_type="multipart/form-data")
    assert "That file is not a CSV file" in response.get_data(as_text=True)


# -- completion, certificates, hours --------------------------------------------------------------------------------

def test_completion_rule_late_counts_and_excused_can_be_neutral(ctx):
    course, (a, b, c) = enrolled_course(sessions=4)  # 75% of 4 sessions = 3
    s = course.sessions
    lead = create_member(role="admin")
    for session, status in zip(s, ["present", "late", "excused", "absent"], strict=True):
        ops.mark(lead, session, a.id, status)
    db.session.commit()
    # Excused is left out: 2 attended of 3 counted = 67%, below 75%.
    assert db.session.scalar(select(Completion).where(Completion.member_id == a.id)) is None
    ops.mark(lead, s[3], a.id, "present")
    db.session.commit()
    completion = db.session.scalar(select(Completion).where(Completion.member_id == a.id))
    assert (completion.attended, completion.counted) == (3, 3) and completion.completed_at
    assert ops.current_certificate(course.id, a.id) is not None
    course.excused_neutral = False
    for session, status in zip(s, ["present", "late", "excused", "absent"], strict=True):
        ops.mark(lead, session, b.id, status)
    db.session.commit()
    assert db.session.scalar(select(Completion).where(Completion.member_id == b.id)) is None  # 2 of 4


def test_a_correction_takes_completion_away_and_revokes_the_certificate(ctx):
    course, (a, b, c) = enrolled_course(sessions=2)
    lead = create_member(role="admin")
    for session in course.sessions:
        ops.mark(lead, session, a.id, "present")
    db.session.commit()
    certificate = ops.current_certificate(course.id, a.id)
    ops.mark(lead, course.sessions[1], a.id, "absent")
    db.session.commit()
    assert db.session.scalar(select(Completion)) is None
    db.session.refresh(certificate)
    assert certificate.revoked_at is not None and "no longer completed" in certificate.revoked_reason


def test_certificate_pdf_and_public_verification(app, client):
    with app.test_request_context():
        course, (a, b, c) = enrolled_course(sessions=2, title="Co-production in practice")
        a_row = db.session.get(Member, a.id)
        a_row.name, a_row.email = "Siobhán Ní Bhriain", "siobhan@example.org"
        lived = create_member(name="Lee Lived")
        db.session.add(CourseFacilitator(course_id=course.id, member_id=lived.id, lived_experience=True))
        db.session.commit()
        for session in course.sessions:
            ops.mark(None, session, a.id, "present")
        db.session.commit()
        code, slug = ops.current_certificate(course.id, a.id).code, course.slug
    AuthActions(client).login("siobhan@example.org")
    response = client.get(f"/certificates/{slug}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf" and response.data[:5] == b"%PDF-"
    from pypdf import PdfReader

    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    for expected in ("Siobhán Ní Bhriain", "Co-production in practice", "Cross-cutting", code,
                     "Learning hours: 4.0", "Co-facilitators with lived experience: Lee Lived"):
        assert expected in text, expected
    public = app.test_client().get(f"/certificates/check/{code}").get_data(as_text=True)
    assert "This certificate is genuine" in public and "Siobhán Ní Bhriain" in public
    assert "siobhan@example.org" not in public and "Co-production in practice" in public
    assert app.test_client().get("/certificates/check/NOTACODE").status_code == 404


def test_admin_revokes_and_reissues_a_certificate(app, client):
    with app.test_request_context():
        course, (a, b, c) = enrolled_course(sessions=1)
        ops.mark(None, course.sessions[0], a.id, "present")
        db.session.commit()
        code = ops.current_certificate(course.id, a.id).code
        create_member(email="admin@example.org", role="admin")
    AuthActions(client).login("admin@example.org")
    post_form(client, f"/manage/certificates/{code}/revoke", {"reason": "Issued to the wrong person"},
              page=f"/certificates/check/{code}")
    page = app.test_client().get(f"/certificates/check/{code}").get_data(as_text=True)
    assert "This certificate has been revoked" in page and "Issued to the wrong person" in page
    response = post_form(client, f"/manage/certificates/{code}/reissue", {}, page=f"/certificates/check/{code}")
    new_code = response.headers["Location"].rsplit("/", 1)[1]
    assert new_code != code
    assert "This certificate is genuine" in app.test_client().get(f"/certificates/check/{new_code}").get_data(as_text=True)


def test_learning_hours_sum_attended_sessions(ctx):
    course, (a, b, c) = enrolled_course(sessions=3)  # two-hour sessions
    for session, status in zip(course.sessions, ["present", "late", "absent"], strict=True):
        ops.mark(None, session, a.id, status)
    db.session.commit()
    assert ops.learning_hours([a.id, b.id]) == {a.id: 4.0, b.id: 0.0}


# -- reports ------------------------------------------------------------------------------------------------------

def _marked_course():
    course, (a, b, c) = enrolled_course(sessions=2)
    b_row = db.session.get(Member, b.id)
    b_row.name = '=HYPERLINK("http://evil.example","click")'
    for session, (ma, mb, mc) in zip(course.sessions, [("present", "excused", "absent"), ("late", "absent", "absent")], strict=True):
        ops.mark(None, session, a.id, ma), ops.mark(None, session, b.id, mb), ops.mark(None, session, c.id, mc)
    db.session.commit()
    return course, (a, b, c)


def test_course_grid_rates_and_exports_hold_the_same_numbers(app, client):
    with app.test_request_context():
        course, (a, b, c) = _marked_course()
        create_member(email="admin@example.org", role="admin")
        course_id = course.id
    AuthActions(client).login("admin@example.org")
    page = client.get(f"/reports/courses/{course_id}").get_data(as_text=True)
    assert "100%" in page and "50%" in page and "0%" in page
    xlsx = client.get(f"/reports/courses/{course_id}?format=xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert any("–" in str(h) and ":" in str(h).split("–")[1] for h in header[3:5])  # start–end times
    by_name = {r[0]: r for r in rows[1:]}
    person0 = by_name["Person 0"]
    assert person0[header.index("Attendance rate")] == 1.0 and person0[header.index("Hours")] == 4.0
    evil = by_name["'=HYPERLINK(\"http://evil.example\",\"click\")"]  # neutralised, not a formula
    assert evil[header.index("Attended or gave notice")] == 0.5
    csv_text = client.get(f"/reports/courses/{course_id}?format=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text


def test_member_sees_their_own_history_with_hours(app, client):
    with app.test_request_context():
        course, (a, b, c) = _marked_course()
        db.session.get(Member, a.id).email = "me@example.org"
        db.session.commit()
        a_id, c_id = a.id, c.id
    AuthActions(client).login("me@example.org")
    page = client.get(f"/reports/members/{a_id}").get_data(as_text=True)
    assert "Learning and involvement hours: <strong>4.0</strong>" in page
    assert client.get(f"/reports/members/{c_id}").status_code == 403
    csv_text = client.get(f"/reports/members/{a_id}?format=csv").get_data(as_text=True)
    assert csv_text.splitlines()[0].startswith("Course,Session starts,Session ends,Mark")


def test_overview_by_month_low_attendance_and_reminder(app, client, mailbox):
    with app.test_request_context():
        course, (a, b, c) = _marked_course()
        create_member(email="admin@example.org", role="admin")
        c_email = c.email
    AuthActions(client).login("admin@example.org")
    page = client.get("/reports").get_data(as_text=True)
    assert "Attendance by month" in page and "<svg" in page and "Low attendance" in page
    assert "Person 2" in page and "Person 0" not in page.split("Low attendance")[1]
    post_form(client, "/reports/low-attendance/remind", {}, page="/reports")
    subjects = [m["Subject"] for m in mailbox.to(c_email)]
    assert subjects.count("We would love to see you at your next session") == 1
    low = load_workbook(io.BytesIO(client.get("/reports?format=xlsx&table=low").data)).active
    rows = list(low.iter_rows(values_only=True))
    assert rows[0][:3] == ("Name", "Describes themselves as", "Area")
    assert {r[0] for r in rows[1:]} >= {"Person 2"} and all(r[5] < 0.6 for r in rows[1:])
    low_csv = client.get("/reports?format=csv&table=low").get_data(as_text=True)
    assert "Person 2" in low_csv and "Attendance rate" in low_csv.splitlines()[0]
    filtered = client.get("/reports?stakeholder_type=commissioner").get_data(as_text=True)
    assert "No attendance has been marked for these filters" in filtered


class TestHooks:
    @pytest.fixture
    def app_settings(self):
        return {"EXTRA_PLUGINS": ["watcher=tests.plugins.attendance_plugin"]}

    def test_marked_completed_and_report_columns(self, app, runner):
        from tests.plugins import attendance_plugin

        assert runner.invoke(args=["plugins", "enable", "watcher"]).exit_code == 0
        attendance_plugin.SEEN.clear()
        with app.test_request_context():
            course, (a, b, c) = enrolled_course(sessions=1)
            ops.mark(None, course.sessions[0], a.id, "absent")
            ops.mark(None, course.sessions[0], a.id, "present")
            db.session.commit()
            assert [("marked", a.id, None, "absent"), ("marked", a.id, "absent", "present"),
                                              ("completed", a.id, course.id)] == attendance_plugin.SEEN
            headers, rows = reports.course_grid_table(reports.course_grid(course))
            assert headers[-1] == "Organisation (from plugin)" and rows[0][-1] == "none"


@pytest.mark.parametrize("url", ["course", "overview"])
def test_report_queries_do_not_grow_with_sessions_and_members(app, url):
    counts = []
    for size in (1, 5):
        with app.app_context():
            from tests.conftest import empty_all_tables

            empty_all_tables()
        with app.test_request_context():
            course, people = enrolled_course(n_people=3 * size, sessions=2 * size, capacity=100,
                                             starts_in=timedelta(days=-100))  # all held: future ones can't be marked
            for session in course.sessions:
                for person in people:
                    ops.mark(None, session, person.id, "present")
            db.session.commit()
            create_member(email="admin@example.org", role="admin")
            course_id = course.id
        client = app.test_client()
        AuthActions(client).login("admin@example.org")
        status, count = queries_for(app, client, f"/reports/courses/{course_id}" if url == "course" else "/reports")
        assert status == 200
        counts.append(count)
    assert counts[0] == counts[1], counts


def test_months_follow_uk_time(ctx):
    from datetime import datetime

    from copractice.courses.models import Session

    course, (a, b, c) = enrolled_course(sessions=1)
    session = course.sessions[0]
    # 00:30 on 1 July 2026 in the UK is 23:30 UTC on 30 June.
    session.starts_at, session.ends_at = datetime(2026, 6, 30, 23, 30), datetime(2026, 7, 1, 1, 30)
    db.session.commit()
    ops.mark(None, db.session.get(Session, session.id), a.id, "present")
    db.session.commit()
    assert reports.rates_by_month(reports.ReportFilters()) == [("2026-07", 1, 1, 1)]


def test_everyone_present_on_a_register_with_nobody_left_says_so(app, client):
    with app.test_request_context():
        course = create_course(starts_in=timedelta(days=-1))
        create_member(email="admin@example.org", role="admin")
        session_id = course.sessions[0].id
    AuthActions(client).login("admin@example.org")
    response = post_form(client, f"/manage/sessions/{session_id}/register/everyone-present", {},
                         page=f"/manage/sessions/{session_id}/register", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "There was nobody left to mark" in page and "0 people" not in page
