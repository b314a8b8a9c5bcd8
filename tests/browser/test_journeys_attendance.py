"""Attendance journeys in a real browser: take a register on a phone, check in with a code, download and
verify a certificate, and export reports that hold the same numbers as the page.

Every page visited passes axe (no serious or critical problems).
"""
import re
import time
from collections import defaultdict
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from copractice.attendance import operations as attendance_ops
from copractice.attendance.models import Attendance, Certificate
from copractice.courses import operations as course_ops
from copractice.courses.models import CourseFacilitator, Session
from copractice.extensions import db
from copractice.timeutil import uk_time
from tests.browser.conftest import check_a11y
from tests.browser.journey import assert_fits, expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member
from tests.factories_courses import create_course

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


# -- helpers -------------------------------------------------------------------------------------------


def give_places(course, people, organiser):
    """Give each person a place, as an organiser would (the course may already have started)."""
    for person in people:
        course_ops.enrol(person, course, organiser=organiser)
    db.session.commit()


def percent_of(fraction):
    """A spreadsheet's fraction (0.667) as the page shows it (67), or None for an empty cell."""
    return None if fraction is None else round(fraction * 100)


def page_percent(text):
    """A page's "67%" as 67; the page shows "–" when there is nothing to count."""
    text = text.strip()
    return None if text == "–" else int(text.rstrip("%"))


def table_rows(table):
    """The text of each body row of a table, cell by cell (row headers included)."""
    return [[cell.strip() for cell in row] for row in table.locator("tbody tr").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText))")]


def downloaded_workbook(page, link_name, tmp_path):
    """Click a download link and open the XLSX it gives: (headers, rows) of its first sheet."""
    with page.expect_download() as download_info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    workbook = load_workbook(target, read_only=True)
    try:
        headers, *rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    finally:
        workbook.close()
    return headers, rows


# -- Journey 1: a facilitator takes the register on a phone ---------------------------------------------

def register_row(page, name):
    """One person's row on the register (a group named by their name and current mark)."""
    return page.get_by_role("group", name=re.compile("^" + re.escape(name)))


def mark_button(page, label, name):
    """A mark button: visible text ``label``, plus the person's name for screen readers ("Late: Chloe Patel").

    Chromium computes the name with a space before the colon (the hidden span is a block), so allow it.
    """
    return page.get_by_role("button", name=re.compile(rf"^{label}\s*:\s*{re.escape(name)}$"))


def expect_marked(page, name, label):
    """Exactly the ``label`` button is pressed in ``name``'s row, and the row says so."""
    for other in ("Present", "Late", "Excused", "Absent"):
        expect(mark_button(page, other, name)).to_have_attribute("aria-pressed", "true" if other == label else "false")
    expect(register_row(page, name)).to_have_accessible_name(f"{name} {label}")  # the legend says the mark


def test_facilitator_marks_a_register_on_a_phone(new_page, live_server, app):
    names = ["Amara Okafor", "Ben Hughes", "Chloe Patel", "Dev Sharma"]
    with app.test_request_context():
        facilitator = create_member(role="facilitator", name="Fay Morgan", email="fay@example.org")
        course = create_course(title="Running a co-production meeting", capacity=6, sessions=2,
                               starts_in=timedelta(hours=-1))
        trainees = [create_member(name=name) for name in names]
        give_places(course, trainees, organiser=facilitator)
        db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id))
        db.session.commit()
        first, second = course.sessions
        first_label, first_id, second_id = uk_time(first.starts_at), first.id, second.id
        ids = {t.name: t.id for t in trainees}
        facilitator_id = facilitator.id

    page = new_page(viewport=PHONE)
    log_in(page, live_server, "fay@example.org")

    nav(page, "Courses I run")
    expect_heading(page, "Courses I run")
    check_a11y(page)
    page.get_by_role("link", name="Running a co-production meeting").click()
    expect_heading(page, "Running a co-production meeting")
    check_a11y(page)

    page.get_by_role("link", name=f"Register for {first_label}", exact=True).click()
    expect_heading(page, re.compile(r"^Register"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Running a co-production meeting")
    for name in names:
        expect(register_row(page, name)).to_contain_text("Not marked yet")
        expect(mark_button(page, "Present", name)).to_have_attribute("aria-pressed", "false")
    assert_fits(page, 390)
    check_a11y(page)

    page.get_by_role("button", name="Mark everyone present").click()
    expect_banner(page, "4 people marked present. Now change anyone who is not here.")
    for name in names:
        expect_marked(page, name, "Present")
    assert_fits(page, 390)
    check_a11y(page)

    mark_button(page, "Absent", "Ben Hughes").click()
    expect_marked(page, "Ben Hughes", "Absent")
    expect(page).to_have_url(re.compile(rf"#person-{ids['Ben Hughes']}$"))
    assert_fits(page, 390)
    check_a11y(page)

    page.get_by_label("Remark for Chloe Patel (optional)").fill("Train delayed")
    mark_button(page, "Late", "Chloe Patel").click()
    expect_marked(page, "Chloe Patel", "Late")
    expect(page.get_by_label("Remark for Chloe Patel (optional)")).to_have_value("Train delayed")
    assert_fits(page, 390)
    check_a11y(page)

    # Without a mouse: from Chloe's remark box, Tab through Dev's buttons to "Excused" and press Enter.
    page.get_by_label("Remark for Chloe Patel (optional)").focus()
    for label in ("Present", "Late", "Excused"):
        page.keyboard.press("Tab")
        expect(mark_button(page, label, "Dev Sharma")).to_be_focused()
    page.keyboard.press("Enter")
    expect_marked(page, "Dev Sharma", "Excused")
    expect(page).to_have_url(re.compile(rf"#person-{ids['Dev Sharma']}$"))
    for name, label in [("Amara Okafor", "Present"), ("Ben Hughes", "Absent"), ("Chloe Patel", "Late")]:
        expect_marked(page, name, label)
    assert_fits(page, 390)
    check_a11y(page)

    # At 320px, the narrowest screen the site supports, every button still shows its whole word.
    page.set_viewport_size({"width": 320, "height": 640})
    assert_fits(page, 320)
    clipped = page.locator(".mark-button").evaluate_all(
        "buttons => buttons.filter(b => b.scrollWidth > b.clientWidth).map(b => b.innerText)")
    assert clipped == [], f"mark buttons too narrow for their words at 320px: {clipped}"
    page.set_viewport_size(PHONE)

    # Enter in a remark box saves the remark and keeps the mark (it must not press the first button, "Present").
    ben_remark = page.get_by_label("Remark for Ben Hughes (optional)")
    ben_remark.fill("Phoned in sick")
    ben_remark.press("Enter")
    expect(page).to_have_url(re.compile(rf"#person-{ids['Ben Hughes']}$"))  # the register came back
    expect(page.get_by_label("Remark for Ben Hughes (optional)")).to_have_value("Phoned in sick")
    expect_marked(page, "Ben Hughes", "Absent")
    check_a11y(page)

    with app.app_context():
        rows = db.session.scalars(select(Attendance).where(Attendance.session_id == first_id)).all()
        marks = {row.member_id: (row.status, row.remark, row.marked_by_id) for row in rows}
        assert marks == {
            ids["Amara Okafor"]: ("present", None, facilitator_id),
            ids["Ben Hughes"]: ("absent", "Phoned in sick", facilitator_id),
            ids["Chloe Patel"]: ("late", "Train delayed", facilitator_id),
            ids["Dev Sharma"]: ("excused", None, facilitator_id),
        }
        assert db.session.scalars(select(Attendance).where(Attendance.session_id == second_id)).all() == []


# -- Journey 2: a trainee checks in with the code shown in the room ------------------------------------

def codes_accepted_now(app, session_id):
    """The code on the facilitator's screen now, and one that is certainly wrong (not this slot's nor the last)."""
    with app.app_context():
        session = db.session.get(Session, session_id)
        code, _ = attendance_ops.current_checkin_code(session)
        slot = int(time.time()) // app.config["CHECKIN_CODE_SECONDS"]
        taken = {attendance_ops.checkin_code(session, s) for s in (slot - 1, slot, slot + 1)}
    wrong = next(c for c in (f"{(int(code) + n) % 1_000_000:06d}" for n in range(1, 10)) if c not in taken)
    return code, wrong


def test_trainee_checks_in_with_the_typed_code(page, live_server, app):
    with app.test_request_context():
        organiser = create_member(role="admin")
        trainee = create_member(name="Priya Shah", email="priya@example.org")
        course = create_course(title="Listening to lived experience", sessions=1, starts_in=timedelta(minutes=5))
        give_places(course, [trainee], organiser=organiser)
        session_id, trainee_id = course.sessions[0].id, trainee.id

    log_in(page, live_server, "priya@example.org")
    nav(page, "Check in")
    expect_heading(page, "Check in")
    code_box = page.get_by_label("Check-in code")
    expect(code_box).to_have_accessible_description("The 6 numbers shown on the screen in the room.")
    check_a11y(page)

    code, wrong = codes_accepted_now(app, session_id)
    code_box.fill(code)
    page.get_by_role("button", name="Check in", exact=True).click()
    expect_heading(page, "Welcome to Listening to lived experience")
    expect_banner(page, "You are checked in.")
    check_a11y(page)
    with app.app_context():
        row = attendance_ops.current_mark(session_id, trainee_id)
        assert (row.status, row.source, row.marked_by_id) == ("present", "self_checkin", trainee_id)

    nav(page, "Check in")
    expect_heading(page, "Check in")
    check_a11y(page)
    page.get_by_label("Check-in code").fill(wrong)
    page.get_by_role("button", name="Check in", exact=True).click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    error = summary.get_by_role("link", name=re.compile("That code is not right"))
    expect(error).to_have_attribute("href", "#code")
    expect(page.get_by_label("Check-in code")).to_have_accessible_description(re.compile("That code is not right"))
    check_a11y(page)
    error.click()
    expect(page.get_by_label("Check-in code")).to_be_focused()
    with app.app_context():  # the wrong code changed nothing
        row = attendance_ops.current_mark(session_id, trainee_id)
        assert (row.status, row.source) == ("present", "self_checkin")


# -- Journey 3: a trainee downloads their certificate; anyone can check it -------------------------------

def test_trainee_downloads_a_certificate_that_the_check_page_confirms(new_page, live_server, app, tmp_path):
    title = "Co-production for beginners"
    with app.test_request_context():
        facilitator = create_member(role="facilitator", name="Fay Morgan")
        trainee = create_member(name="Sam Ellis", email="sam@example.org")
        course = create_course(title=title, sessions=2, starts_in=timedelta(weeks=-3))
        db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id))
        give_places(course, [trainee], organiser=facilitator)
        for session in course.sessions:
            attendance_ops.mark(facilitator, session, trainee.id, "present")
        db.session.commit()
        certificate = db.session.scalar(select(Certificate).where(Certificate.member_id == trainee.id))
        assert certificate is not None, "completing the course issues a certificate"
        code = certificate.code

    page = new_page()
    log_in(page, live_server, "sam@example.org")
    nav(page, "My learning")
    expect_heading(page, "My learning")
    completed = page.get_by_role("heading", name="Courses you have completed", level=2)
    expect(completed).to_be_visible()
    check_a11y(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=f"Download your certificate for {title} (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("certificate-") and download.suggested_filename.endswith(".pdf")
    pdf_path = tmp_path / download.suggested_filename
    download.save_as(pdf_path)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(pdf_path).pages)
    assert f"Verification code: {code}" in text
    assert f"{live_server}/certificates/check/{code}" in text  # the link (and QR code) lead to this site
    assert "Sam Ellis" in text and title in text

    # Someone who is not logged in (an employer, say) checks the code.
    checker = new_page()
    checker.goto(live_server + "/certificates/check")
    expect_heading(checker, "Check a certificate")
    expect(checker.get_by_role("button", name="Log out")).to_have_count(0)
    check_a11y(checker)
    checker.get_by_label("Verification code").fill(code)
    checker.get_by_role("button", name="Check", exact=True).click()
    expect_heading(checker, f"Certificate {code}")
    expect_banner(checker, "This certificate is genuine.")
    details = checker.get_by_role("main").locator("dl")
    expect(details).to_contain_text("Sam Ellis")
    expect(details).to_contain_text(title)
    expect(checker.get_by_role("heading", name="Admin")).to_have_count(0)
    check_a11y(checker)


# -- Journey 4: an admin filters a report and downloads the same numbers ---------------------------------

# Two courses of two past sessions each; who came to which session.
PEOPLE = {"Grace Miller": "carer", "Harry Wilson": "carer", "Ivy Chen": "patient", "Jack Brown": "researcher"}
CARERS_COURSE, BEGINNERS_COURSE = "Involving carers in research", "Co-production for beginners"
MARKS_GIVEN = {
    CARERS_COURSE: [
        {"Grace Miller": "present", "Harry Wilson": "absent", "Ivy Chen": "present"},
        {"Grace Miller": "late", "Harry Wilson": "excused", "Ivy Chen": "absent"},
    ],
    BEGINNERS_COURSE: [
        {"Grace Miller": "present", "Harry Wilson": "absent", "Jack Brown": "present"},
        {"Harry Wilson": "present", "Jack Brown": "absent"},
    ],
}


def expected_months(session_months, stakeholder_type):
    """{month: (marks, attended, attended or gave notice)} for the people of one stakeholder type."""
    months = defaultdict(lambda: [0, 0, 0])
    for title, sessions in MARKS_GIVEN.items():
        for month, marks in zip(session_months[title], sessions, strict=True):
            for name, status in marks.items():
                if PEOPLE[name] == stakeholder_type:
                    counts = months[month]
                    counts[0] += 1
                    counts[1] += status in ("present", "late")
                    counts[2] += status in ("present", "late", "excused")
    return {month: tuple(counts) for month, counts in sorted(months.items())}


def test_admin_filters_a_report_and_the_xlsx_holds_the_same_numbers(page, live_server, app, tmp_path):
    with app.test_request_context():
        admin = create_member(role="admin", name="Ada Admin", email="ada@example.org")
        people = {name: create_member(name=name, stakeholder_type=kind) for name, kind in PEOPLE.items()}
        session_months = {}
        for title, starts_in in ((CARERS_COURSE, timedelta(weeks=-5)), (BEGINNERS_COURSE, timedelta(weeks=-3))):
            course = create_course(title=title, capacity=10, sessions=2, starts_in=starts_in)
            sessions = MARKS_GIVEN[title]
            give_places(course, [people[name] for name in {n for marks in sessions for n in marks}], organiser=admin)
            for session, marks in zip(course.sessions, sessions, strict=True):
                for name, status in marks.items():
                    attendance_ops.mark(admin, session, people[name].id, status)
            session_months[title] = [f"{s.starts_at:%Y-%m}" for s in course.sessions]  # the report groups by UTC month
        db.session.commit()
    expected = expected_months(session_months, "carer")
    assert sum(n for n, _, _ in expected.values()) == 7  # Grace's 3 marks and Harry's 4

    log_in(page, live_server, "ada@example.org")
    nav(page, "Reports")
    expect_heading(page, "Attendance reports")
    check_a11y(page)

    page.get_by_label("Describes themselves as").select_option(label="Carer")
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"[?&]stakeholder_type=carer(&|$)"))
    expect(page.get_by_label("Describes themselves as")).to_have_value("carer")
    by_month = page.get_by_role("table", name="Attendance by month")
    expect(by_month).to_be_visible()
    check_a11y(page)

    shown = {month: (int(marks), page_percent(rate), page_percent(notice))
             for month, marks, rate, notice in table_rows(by_month)}
    assert shown == {month: (n, round(a / n * 100), round(g / n * 100)) for month, (n, a, g) in expected.items()}
    low = page.get_by_role("table", name="People with low attendance")
    expect(low.get_by_role("cell", name="Harry Wilson")).to_be_visible()  # 1 of 4 sessions
    expect(low).not_to_contain_text("Grace Miller")

    headers, rows = downloaded_workbook(page, "Excel (XLSX)", tmp_path)
    assert headers == ["Month", "Marks", "Attended", "Attended or gave notice", "Attendance rate",
                       "Attended or gave notice rate"]
    in_sheet = {month: (marks, percent_of(rate), percent_of(notice))
                for month, marks, _, _, rate, notice in rows}
    assert in_sheet == shown
    assert {month: (marks, attended, notice) for month, marks, attended, notice, _, _ in rows} == expected

    # The course's own report: the grid on the page and its spreadsheet agree.
    nav(page, "Courses I run")
    expect_heading(page, "Courses I run")
    check_a11y(page)
    page.get_by_role("link", name=CARERS_COURSE).click()
    expect_heading(page, CARERS_COURSE)
    check_a11y(page)
    page.get_by_role("link", name="Attendance report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Attendance {CARERS_COURSE}")
    grid = page.get_by_role("table", name="Marks for each person and session")
    expect(grid).to_be_visible()
    check_a11y(page)

    labels = {"present": "Present", "late": "Late", "excused": "Excused", "absent": "Absent"}
    sessions = MARKS_GIVEN[CARERS_COURSE]
    on_page = {}
    for name, first, second, rate, notice, *_ in table_rows(grid):
        on_page[name] = ([first, second], page_percent(rate), page_percent(notice))
    assert on_page == {
        "Grace Miller": (["Present", "Late"], 100, 100),
        "Harry Wilson": (["Absent", "Excused"], 0, 50),
        "Ivy Chen": (["Present", "Absent"], 50, 50),
    }
    assert {name: marks for name, (marks, _, _) in on_page.items()} == {
        name: [labels[s[name]] for s in sessions] for name in on_page}

    headers, rows = downloaded_workbook(page, "Excel (XLSX)", tmp_path)
    assert headers[:3] == ["Name", "Describes themselves as", "Area"]
    rate_at, notice_at = headers.index("Attendance rate"), headers.index("Attended or gave notice")
    in_sheet = {row[0]: (list(row[3:5]), percent_of(row[rate_at]), percent_of(row[notice_at])) for row in rows}
    assert in_sheet == on_page
    assert {row[0]: row[1] for row in rows} == {"Grace Miller": "Carer", "Harry Wilson": "Carer", "Ivy Chen": "Patient"}
