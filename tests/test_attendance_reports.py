"""Attendance figures that add up, real online attendance files, and the small things people hit:
rates count only sessions that have happened and match between page and export (issue 11 point 14),
Zoom and Teams reports import as their services write them (point 15), numbers in a report that are not
minutes are refused (point 6), a reminder pressed twice sends one email, My learning says when apologies
were sent, and the register history speaks in words (point 16)."""
import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from copractice.attendance import operations as ops
from copractice.attendance import reports
from copractice.attendance.models import SOURCES, Attendance, AttendanceChange
from copractice.courses import operations as course_ops
from copractice.courses.models import Course, Session
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import OutboxMessage
from copractice.timeutil import utcnow
from tests.conftest import AuthActions, create_member, csrf_from, post_form
from tests.factories_courses import create_course

DATA = Path(__file__).parent / "data"


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def give_places(course, people):
    admin = create_member(role="admin")
    for person in people:
        course_ops.enrol(person, course, organiser=admin)
    db.session.commit()


def course_with_one_held_and_one_to_come(n_people=1):
    """Two weekly sessions: the first was a week ago, the second is tomorrow."""
    course = create_course(sessions=2, starts_in=timedelta(days=-6), capacity=10)
    people = [create_member(name=f"Person {i}") for i in range(n_people)]
    give_places(course, people)
    return course, people


# -- point 14: rates that add up ------------------------------------------------------------------------------------

def grid_row_cells(html, name):
    """The cells after a person's name in the course report's grid, as the page shows them."""
    row = re.search(r'<th scope="row">' + re.escape(name) + r"</th>(.*?)</tr>", html, re.S)
    assert row, f"no row for {name}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_an_apology_for_next_week_does_not_make_200_percent_and_page_matches_exports(app, client):
    with app.test_request_context():
        course, (person,) = course_with_one_held_and_one_to_come()
        held, to_come = course.sessions
        ops.mark(None, held, person.id, "present")
        ops.send_apology(person, to_come, "Hospital appointment")
        db.session.commit()
        create_member(email="admin@example.org", role="admin")
        course_id = course.id
    AuthActions(client).login("admin@example.org")
    page = client.get(f"/reports/courses/{course_id}").get_data(as_text=True)
    cells = grid_row_cells(page, "Person 0")
    assert cells[:4] == ["Present", "Excused", "100%", "100%"], cells  # was "200%"
    assert "200%" not in page
    exported = list(csv.reader(io.StringIO(client.get(f"/reports/courses/{course_id}?format=csv").get_data(as_text=True))))
    header, person_row = exported[0], exported[1]
    sheet = load_workbook(io.BytesIO(client.get(f"/reports/courses/{course_id}?format=xlsx").data)).active
    xlsx_header, xlsx_row = list(sheet.iter_rows(values_only=True))[:2]
    for label, shown in (("Attendance rate", cells[2]), ("Attended or gave notice", cells[3])):
        assert reports.percent(float(person_row[header.index(label)])) == shown
        assert reports.percent(xlsx_row[xlsx_header.index(label)]) == shown
    assert person_row[header.index("Sessions excused")] == "0"  # the apology is for a session still to come
    # The session still to come has no rate yet in the grid's totals row: nobody can have attended it.
    totals = re.search(r'<th scope="row">Attended or gave notice</th>(.*?)</tr>', page, re.S).group(1)
    assert [c.strip() for c in re.findall(r"<td>(.*?)</td>", totals)][:2] == ["100%", "–"]
    with app.test_request_context():
        grid = reports.course_grid(db.session.get(Course, course_id))
        (row,) = grid.rows
        assert grid.held == 1 and reports.attendance_rates(row.attended, row.excused, grid.held) == (1.0, 1.0)


def test_a_rate_never_goes_over_100_percent(ctx):
    course, people = course_with_one_held_and_one_to_come(n_people=3)
    held, to_come = course.sessions
    for person, status in zip(people, ["present", "excused", "absent"], strict=True):
        ops.mark(None, held, person.id, status)
        ops.send_apology(person, to_come) if status != "excused" else None
    db.session.commit()
    grid = reports.course_grid(course)
    for row in grid.rows:
        attended, notice = reports.attendance_rates(row.attended, row.excused, grid.held)
        assert 0 <= attended <= notice <= 1
    headers, rows = reports.course_grid_table(grid)
    assert all(0 <= r[headers.index("Attended or gave notice")] <= 1 for r in rows)


def test_the_overview_counts_only_sessions_that_have_happened(app, client):
    with app.test_request_context():
        course, (person,) = course_with_one_held_and_one_to_come()
        held, to_come = course.sessions
        ops.mark(None, held, person.id, "present")
        ops.send_apology(person, to_come)
        db.session.commit()
        create_member(email="admin@example.org", role="admin")
        months = reports.rates_by_month(reports.ReportFilters())
        assert sum(n for _, n, _, _ in months) == 1  # the apology for tomorrow is not a mark yet
        # 1 attended of 1 held is 100%: not "low attendance" at 50% because of tomorrow's apology.
        assert reports.low_attendance(reports.ReportFilters(), 0.6) == []
    AuthActions(client).login("admin@example.org")
    page = client.get("/reports").get_data(as_text=True)
    assert "Nobody is below 60%" in page
    exported = list(csv.reader(io.StringIO(client.get("/reports?format=csv").get_data(as_text=True))))
    assert [row[1:6] for row in exported[1:]] == [["1", "1", "1", "1.0", "1.0"]]


# -- point 15: real online attendance files -------------------------------------------------------------------------

EXPECTED = {  # email -> minutes, as each sample file has them (see tests/data/README.md)
    "ann.okafor@example.org": 123, "bill.turner@example.org": 35, "chidi.evans@example.org": 61,
    "sian.pritchard@example.org": 74, "eve.marsh@example.org": 97, "priya.shah@copractice.example": 129,
}
SAMPLES = {"zoom_participants.csv": "Zoom", "zoom_participants_unique.csv": "Zoom",
           "teams_attendance_utf16.csv": "Microsoft Teams", "teams_attendance_utf8.csv": "Microsoft Teams"}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_real_report_files_are_read(name):
    report = ops.read_report((DATA / name).read_bytes())
    assert SAMPLES[name] in report.kind
    minutes = {email: round(m) for _, email, m in report.people.values() if email}
    teams_rounding = {"ann.okafor@example.org": 118, "priya.shah@copractice.example": 125}
    assert minutes == (EXPECTED | teams_rounding if "teams" in name else EXPECTED)
    names = {name for name, email, _ in report.people.values() if not email}
    assert len(names) == 1 and names.pop().startswith("Dorota")
    assert any(n == "Siân Pritchard" for n, _, _ in report.people.values())  # the encoding was read right


@pytest.mark.parametrize("text, minutes", [
    ("65", 65), ("65.5", 65.5), ("1h 5m 3s", 65.05), ("45m 10s", 45 + 10 / 60), ("2h", 120), ("58s", 58 / 60),
    ("1h 1m", 61), ("65 mins", 65), ("65 minutes", 65), ("1:05:03", 65.05), ("", 0), (" 12 ", 12)])
def test_minutes_are_read_as_zoom_and_teams_write_them(text, minutes):
    assert ops.parse_minutes(text) == pytest.approx(minutes)


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf", "1e999", "1e3", "-5", "-1h", "sixty", "1h 5x",
                                  "99999999999999999999999", "1441"])
def test_numbers_that_are_not_minutes_are_refused(text):
    with pytest.raises(ops.ImportProblem):
        ops.parse_minutes(text)


@pytest.mark.parametrize("name", ["teams_attendance_utf16.csv", "zoom_participants.csv"])
def test_facilitator_imports_a_real_report_on_the_page(app, client, name):
    with app.test_request_context():
        course = create_course(starts_in=timedelta(hours=-3), capacity=10)
        people = [create_member(email=email, name=email.split("@")[0].replace(".", " ").title())
                  for email in EXPECTED if not email.startswith("priya")]
        give_places(course, people)
        create_member(email="boss@example.org", role="admin")
        session_id = course.sessions[0].id
    AuthActions(client).login("boss@example.org")
    url = f"/manage/sessions/{session_id}/import"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={"csrf_token": token, "min_minutes": "60",
                                      "report": (io.BytesIO((DATA / name).read_bytes()), name)},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Imported: 4 present, 1 joined too briefly" in page
    assert ("Microsoft Teams attendance report" if "teams" in name else "Zoom participant report") in page
    assert "Priya Shah" in page and "Dorota" in page  # listed to match by hand
    with app.app_context():
        marks = dict(db.session.execute(select(Attendance.status, func.count()).group_by(Attendance.status)).all())
        assert marks == {"present": 4, "absent": 1}


def post_report(app, client, body, name="report.csv"):
    with app.test_request_context():
        course = create_course(starts_in=timedelta(hours=-3), capacity=10)
        person = create_member(email="ann.okafor@example.org")
        give_places(course, [person])
        create_member(email="boss@example.org", role="admin")
        session_id = course.sessions[0].id
    AuthActions(client).login("boss@example.org")
    url = f"/manage/sessions/{session_id}/import"
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, "min_minutes": "60", "report": (io.BytesIO(body), name)},
                       content_type="multipart/form-data")


def test_a_file_we_cannot_read_says_which_formats_we_expected(app, client):
    response = post_report(app, client, (DATA / "not_an_attendance_report.csv").read_bytes())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'class="error-message"' in page and "There is a problem" in page
    assert "Zoom" in page and "Microsoft Teams" in page and "Course, First session, Places" in page
    with app.app_context():
        assert db.session.query(Attendance).count() == 0


@pytest.mark.parametrize("minutes", ["nan", "inf", "1e999", "-30", "Infinity"])
def test_a_report_with_minutes_that_are_not_minutes_is_a_form_error(app, client, minutes):
    body = f"Name,Email,Duration (minutes)\nAnn Okafor,ann.okafor@example.org,{minutes}\n".encode()
    response = post_report(app, client, body)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Row 2" in page and 'class="error-message"' in page
    with app.app_context():
        assert db.session.query(Attendance).count() == 0


def test_a_report_with_more_than_65535_addresses_imports(ctx):
    """PostgreSQL takes at most 65,535 values in one statement: the look-ups go in chunks."""
    course = create_course(starts_in=timedelta(hours=-3), capacity=10)
    people = [create_member(email=f"real{i}@example.org") for i in range(3)]
    give_places(course, people)
    lines = ["Name,Email,Duration (minutes)"] + [f"P {i},p{i}@bulk.example,61" for i in range(70_000)]
    lines += [f"Real {i},real{i}@example.org,90" for i in range(3)]
    result = ops.import_participant_report(None, course.sessions[0], "\n".join(lines), 60)
    db.session.commit()
    assert sorted(m.email for m, _ in result.present) == [p.email for p in people]
    assert len(result.unmatched) == 70_000


# -- point 16: small things people hit ------------------------------------------------------------------------------

def test_pressing_the_low_attendance_reminder_twice_sends_one_email(app, client):
    with app.test_request_context():
        course = create_course(sessions=2, starts_in=timedelta(days=-20), capacity=10)
        low, fine = create_member(name="Low Person"), create_member(name="Fine Person")
        give_places(course, [low, fine])
        for session in course.sessions:
            ops.mark(None, session, low.id, "absent")
            ops.mark(None, session, fine.id, "present")
        db.session.commit()
        create_member(email="admin@example.org", role="admin")
        low_email = low.email
    AuthActions(client).login("admin@example.org")
    first = post_form(client, "/reports/low-attendance/remind", {}, page="/reports", follow_redirects=True)
    assert "A reminder has been sent to 1 person" in first.get_data(as_text=True)
    second = post_form(client, "/reports/low-attendance/remind", {}, page="/reports", follow_redirects=True)
    assert "already been sent a reminder today" in second.get_data(as_text=True)
    with app.app_context():
        sent = db.session.scalars(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "attendance_reminder")).all()
    assert sent == [low_email]


def test_reminders_are_recorded_once_per_member_per_uk_day(ctx):
    from copractice.attendance.models import LowAttendanceReminder

    member = create_member()
    first = ops.record_low_attendance_reminders(None, [member])
    again = ops.record_low_attendance_reminders(None, [member])
    db.session.commit()
    assert [m.id for m in first] == [member.id] and again == []
    assert db.session.query(LowAttendanceReminder).count() == 1
    tomorrow = utcnow() + timedelta(days=1)
    assert [m.id for m in ops.record_low_attendance_reminders(None, [member], now=tomorrow)] == [member.id]


def learning_item(page, course_title):
    """The part of My learning's "Coming up" list for one course's session."""
    coming_up = page.split("<h2>Coming up</h2>")[1].split("</ol>")[0]
    items = [item for item in coming_up.split('<li class="session-list__item">') if course_title in item]
    assert len(items) == 1, items
    return items[0]


def test_my_learning_says_apologies_sent_and_offers_none_after_check_in(app, client):
    with app.test_request_context():
        later = create_course(title="Next week's course", starts_in=timedelta(days=7))
        soon = create_course(title="Starting soon", starts_in=timedelta(minutes=10))
        other = create_course(title="Another course", starts_in=timedelta(days=3))
        me = create_member(email="me@example.org")
        give_places(later, [me]), give_places(soon, [me]), give_places(other, [me])
        ops.send_apology(me, later.sessions[0], "Hospital appointment")
        code, _ = ops.current_checkin_code(soon.sessions[0])
        ops.self_check_in(me, code, session=soon.sessions[0])
        db.session.commit()
    AuthActions(client).login("me@example.org")
    page = client.get("/learning").get_data(as_text=True)
    apologised = learning_item(page, "Next week&#39;s course")
    assert "Apologies sent" in apologised and "Send apologies" not in apologised
    checked_in = learning_item(page, "Starting soon")
    assert "You have checked in" in checked_in and "apologies" not in checked_in.lower()
    assert "Send apologies" in learning_item(page, "Another course")


def test_no_apology_after_check_in(ctx):
    course = create_course(starts_in=timedelta(minutes=10))
    me = create_member()
    give_places(course, [me])
    session = course.sessions[0]
    code, _ = ops.current_checkin_code(session)
    ops.self_check_in(me, code, session=session)
    db.session.commit()
    with pytest.raises(ops.AttendanceRefused, match="already checked in"):
        ops.send_apology(me, session, "Something came up")
    db.session.rollback()
    assert ops.current_mark(session.id, me.id).status == "present"


def test_every_source_has_words():
    from copractice.attendance.models import source_label

    assert set(SOURCES) >= {"register", "self_checkin", "import", "apology", "walk_in"}
    assert source_label("walk_in") == "Added at the door"
    assert source_label("import") == "Imported from the online report"
    assert all("_" not in source_label(code) for code in SOURCES)
    assert source_label("something_new") == "Something new"  # never a code, even for one we don't know


def test_register_history_and_exports_use_words_not_codes(app, client):
    with app.test_request_context():
        course = create_course(starts_in=timedelta(hours=-1), capacity=10)
        on_list, walker = create_member(name="On List", email="me@example.org"), create_member(name="Walker")
        give_places(course, [on_list])
        admin = create_member(email="admin@example.org", role="admin")
        session = course.sessions[0]
        ops.add_walk_in(admin, session, walker)
        ops.import_participant_report(admin, session, f"Email,Minutes\n{on_list.email},90\n", 60)
        db.session.commit()
        session_id, me_id = session.id, on_list.id
        assert {c.source for c in db.session.scalars(select(AttendanceChange))} == {"walk_in", "import"}
    AuthActions(client).login("admin@example.org")
    history = client.get(f"/manage/sessions/{session_id}/register/history").get_data(as_text=True)
    assert "Added at the door" in history and "Imported from the online report" in history
    assert "walk_in" not in history and ">import<" not in history
    AuthActions(client).logout()
    AuthActions(client).login("me@example.org")
    exported = client.get(f"/reports/members/{me_id}?format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[1][rows[0].index("How it was recorded")] == "Imported from the online report"


def test_a_report_with_more_than_65535_addresses_imports_on_the_page(app, client):
    lines = ["Name,Email,Duration (minutes)"] + [f"P {i},p{i}@bulk.example,61" for i in range(70_000)]
    lines.append("Ann Okafor,ann.okafor@example.org,90")
    response = post_report(app, client, "\n".join(lines).encode())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Imported: 1 present" in page and "And 69,800 more rows" in page
    assert page.count("<tr><td>P ") == 200  # a readable page, not 70,000 rows


@pytest.mark.parametrize("minutes", ["-5", "99999999999999999999", "nan", "9" * 5000])
def test_matching_a_row_by_hand_with_minutes_that_are_not_minutes(app, client, minutes):
    response = post_report(app, client, b"Name,Email,Minutes\nSomeone,someone@elsewhere.example,70\n")
    assert response.status_code == 200
    with app.app_context():
        session_id = db.session.scalar(select(Session.id))
        ann_id = db.session.scalar(select(Member.id).where(Member.email == "ann.okafor@example.org"))
    response = post_form(client, f"/manage/sessions/{session_id}/import/match",
                         {"member_id": str(ann_id), "status": "present", "remark": "", "minutes": minutes},
                         page=f"/manage/sessions/{session_id}/import")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.scalar(select(Attendance))
        assert (row.status, row.minutes) == ("present", None)


def test_ten_presses_at_once_queue_one_reminder(app):
    from tests.concurrency_helpers import at_once

    with app.app_context():
        member = create_member()
        member_id, email = member.id, member.email

    def press():
        member = db.session.get(Member, member_id)
        sent, _ = ops.send_low_attendance_reminders(None, [member], link="https://example.org/learning")
        db.session.commit()
        return len(sent)

    assert sorted(at_once(app, [press] * 10)) == [0] * 9 + [1]
    with app.app_context():
        assert db.session.scalars(select(OutboxMessage.to_address).where(
            OutboxMessage.kind == "attendance_reminder")).all() == [email]
