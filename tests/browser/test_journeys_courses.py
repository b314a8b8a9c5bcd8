"""Course journeys in a real browser: find, enrol, wait, cancel, accept an offer, and run a course.

Every page visited passes axe (no serious or critical problems); emails are read from the real
SMTP server the app delivers to.
"""
import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from copractice.timeutil import uk_time
from tests.browser.conftest import check_a11y
from tests.browser.journey import assert_fits, expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member
from tests.factories_courses import create_course

pytestmark = pytest.mark.browser

ONLINE_TITLE = "Co-production for beginners"
IN_PERSON_TITLE = "Chairing a co-production meeting"
BLENDED_TITLE = "Paying people for their time"
JOINING_LINK = "https://meet.example/room"  # what create_course gives every session
PHONE = {"width": 390, "height": 844}


# -- helpers -------------------------------------------------------------------------------------------


def course_cards(page):
    """The catalogue's course cards: list items that carry a course heading."""
    return page.get_by_role("main").get_by_role("listitem").filter(has=page.get_by_role("heading", level=2))


def panel(page):
    """The "Your place" panel on a course page (a region named by its heading)."""
    return page.get_by_role("region", name="Your place")


def subjects(mailbox, address):
    return [message["Subject"] for message in mailbox.to(address)]


def has_calendar(message):
    return any(part.get_content_type() == "text/calendar" for part in message.iter_attachments())



def published_course(title, summary, **fields):
    """create_course, with a summary a person would write (the factory numbers its own)."""
    course = create_course(title=title, **fields)
    course.summary = summary
    db.session.commit()
    return course


@pytest.fixture
def courses(app):
    """Three published courses in different formats; the online one has one place and two weekly sessions."""
    with app.app_context():
        online = published_course(ONLINE_TITLE, "What co-production is, and how to start, in two online sessions.",
                                  capacity=1, sessions=2, format="online")
        published_course(IN_PERSON_TITLE, "Run a meeting where everyone's voice counts.",
                         capacity=10, sessions=1, format="in_person", starts_in=timedelta(days=3))
        published_course(BLENDED_TITLE, "Payment and recognition for public contributors.",
                         capacity=6, sessions=3, format="blended", starts_in=timedelta(days=10))
        return {"slug": online.slug, "next_date": uk_time(online.sessions[0].starts_at)}


@pytest.fixture
def trainees(app):
    with app.app_context():
        a = create_member(name="Asha Patel", email="asha@example.org")
        b = create_member(name="Ben Okafor", email="ben@example.org")
        return a.email, b.email


# -- Journey C: two trainees, one place -------------------------------------------------------------------

def test_find_enrol_wait_cancel_and_take_up_an_offered_place(new_page, live_server, mailbox, courses, trainees):
    a_email, b_email = trainees
    course_url = f"{live_server}/courses/{courses['slug']}"

    # Trainee A finds the online course through the catalogue's filters.
    a = new_page()
    log_in(a, live_server, a_email)
    nav(a, "Courses")
    expect_heading(a, "Find a course")
    expect(course_cards(a)).to_have_count(3)
    check_a11y(a)

    search = a.get_by_role("search", name="Find a course")
    search.get_by_label("Format").select_option(label="Online")
    search.get_by_label("Search courses").fill("beginners")
    search.get_by_role("button", name="Show courses").click()
    expect(a).to_have_url(re.compile(r"format=online"))
    expect(a.get_by_role("main").get_by_role("status")).to_have_text("1 course found for “beginners”.")
    expect(course_cards(a)).to_have_count(1)
    card = course_cards(a).first
    expect(card.get_by_role("heading", level=2)).to_have_text(ONLINE_TITLE)
    expect(card).to_contain_text("Online")
    expect(card).to_contain_text("1 of 1")
    expect(card).to_contain_text(courses["next_date"])
    expect(a.get_by_role("link", name=IN_PERSON_TITLE)).to_have_count(0)
    expect(search.get_by_label("Format")).to_have_value("online")
    check_a11y(a)

    card.get_by_role("link", name=ONLINE_TITLE).click()
    expect_heading(a, ONLINE_TITLE)
    expect(panel(a)).to_contain_text("1 place left of 1.")
    expect(a.get_by_role("link", name=JOINING_LINK)).to_have_count(0)
    check_a11y(a)

    a.get_by_role("button", name="Enrol").click()
    expect_banner(a, "You have a place on this course")
    expect(panel(a)).to_contain_text("You have a place on this course.")
    expect(a.get_by_role("link", name=JOINING_LINK)).to_have_count(2)
    check_a11y(a)

    # Trainee B, in a browser of their own, finds the course full and joins the waiting list.
    b = new_page()
    log_in(b, live_server, b_email)
    b.goto(course_url)
    expect_heading(b, ONLINE_TITLE)
    expect(panel(b)).to_contain_text("This course is full.")
    expect(b.get_by_role("button", name="Enrol")).to_have_count(0)
    expect(b.get_by_text("the joining link is shown to people with a place").first).to_be_visible()
    check_a11y(b)

    b.get_by_role("button", name="Join the waiting list").click()
    expect_banner(b, "you are on the waiting list at number 1")
    expect(panel(b)).to_contain_text("You are on the waiting list at number 1.")
    expect(b.get_by_role("button", name="Leave the waiting list")).to_be_visible()
    check_a11y(b)

    # Trainee A gives the place up from My learning.
    nav(a, "My learning")
    expect_heading(a, "My learning")
    expect(a.get_by_role("main")).to_contain_text(courses["next_date"].split(",")[0])
    check_a11y(a)

    a.get_by_role("link", name=f"Cancel my place on {ONLINE_TITLE}").click()
    expect_heading(a, f"Cancel your place on {ONLINE_TITLE}?")
    check_a11y(a)

    a.get_by_role("button", name="Yes, cancel my place").click()
    expect_heading(a, ONLINE_TITLE)
    expect_banner(a, "Your place has been cancelled")
    expect(a.get_by_role("link", name=JOINING_LINK)).to_have_count(0)
    check_a11y(a)

    # Trainee B sees the offer and takes it.
    b.reload()
    expect_heading(b, ONLINE_TITLE)
    expect(panel(b)).to_contain_text("A place is free and it is yours")
    check_a11y(b)

    b.get_by_role("button", name="Accept the place").click()
    expect_banner(b, "You have a place on this course")
    expect(panel(b)).to_contain_text("You have a place on this course.")
    expect(b.get_by_role("link", name=JOINING_LINK)).to_have_count(2)
    check_a11y(b)

    nav(b, "My learning")
    expect_heading(b, "My learning")
    expect(b.get_by_role("link", name=f"Cancel my place on {ONLINE_TITLE}")).to_be_visible()
    check_a11y(b)

    # The emails, as the real SMTP server received them (the app sends them before answering).
    assert subjects(mailbox, a_email) == [
        f"You have a place on {ONLINE_TITLE}",
        f"Your place on {ONLINE_TITLE} is cancelled",
    ]
    assert has_calendar(mailbox.to(a_email)[0])
    assert subjects(mailbox, b_email) == [
        f"You are on the waiting list for {ONLINE_TITLE}",
        f"A place is free on {ONLINE_TITLE}: please accept it",
        f"You have a place on {ONLINE_TITLE}",
    ]
    assert has_calendar(mailbox.to(b_email)[-1])
    assert course_url in mailbox.body(mailbox.to(b_email)[1])


# -- Journey D: an organiser creates a course and its weekly sessions -------------------------------------

def test_organiser_creates_a_course_adds_weekly_sessions_and_opens_the_access_sheet(page, live_server, app):
    with app.app_context():
        admin_email = create_member(role="admin", name="Ada Admin").email
        trainee_email = create_member(name="Chris Dunn", access_needs=["step_free", "large_print"],
                                      access_needs_note="I use a wheelchair").email
    title = "Involving young people in research"
    first_day = date.today() + timedelta(days=21)
    days = [first_day + timedelta(weeks=n) for n in range(3)]

    log_in(page, live_server, admin_email)
    nav(page, "Courses I run")
    expect_heading(page, "Courses I run")
    check_a11y(page)

    page.get_by_role("link", name="Create a course").click()
    expect_heading(page, "Create a course")
    check_a11y(page)

    page.get_by_label("Course title").fill(title)
    page.get_by_label("Summary").fill("How to plan research with young people, not for them.")
    page.get_by_label("Theme").select_option(label="Cross-cutting")
    page.get_by_role("group", name="Format").get_by_label("Online", exact=True).check()
    page.get_by_label("Number of places").fill("12")
    page.get_by_role("group", name="Status").get_by_label("Published").check()
    page.get_by_role("button", name="Save course").click()
    expect_heading(page, title)
    expect_banner(page, "The course has been created. Now add its sessions.")
    expect(page.get_by_role("main")).to_contain_text("No sessions yet.")
    check_a11y(page)

    page.get_by_role("link", name="Add sessions").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Add sessions")
    check_a11y(page)

    page.get_by_label("Date", exact=True).fill(first_day.isoformat())
    page.get_by_label("Start time (UK time)").fill("10:00")
    page.get_by_label("End time (UK time)").fill("12:30")
    page.get_by_label("Online joining link (optional)").fill("https://meet.example/young-people")
    page.get_by_label("How many weeks in a row?").fill("3")
    page.get_by_role("button", name="Add sessions").click()
    expect_heading(page, title)
    expect_banner(page, "3 sessions added.")
    sessions = page.get_by_role("table", name="Sessions of this course").get_by_role("row")
    expect(sessions).to_have_count(4)  # the header row and three sessions
    for row, day in enumerate(days, start=1):
        expect(sessions.nth(row)).to_contain_text(f"{day:%-d %B %Y}, 10:00am to 12:30pm")
    check_a11y(page)

    access_sheet = page.get_by_role("link", name=re.compile(r"^Access needs for ")).first
    access_sheet.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Access and support needs")
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{first_day:%-d %B %Y}, 10:00am")
    expect(page.get_by_role("table", name="Everyone with a place (0)")).to_contain_text("Nobody has a place yet.")
    check_a11y(page)

    # Give someone a place by hand; their needs then appear on the sheet.
    page.get_by_role("link", name="Back to the course").click()
    expect_heading(page, title)
    page.get_by_label("Member's email address").fill(trainee_email)
    page.get_by_label("Reason (kept in the audit log)").fill("Booked by phone")
    page.get_by_role("button", name="Give them a place").click()
    expect_banner(page, "Chris Dunn now has a place.")
    expect(page.get_by_role("table", name="People with a place")).to_contain_text("Chris Dunn")
    check_a11y(page)

    access_sheet.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Access and support needs")
    main = page.get_by_role("main")
    expect(main.get_by_role("listitem").filter(has_text="Step-free access")).to_have_text("Step-free access: 1 person")
    person = page.get_by_role("table", name="Everyone with a place (1)").get_by_role("row").filter(has_text="Chris Dunn")
    expect(person).to_contain_text("Step-free access; Large print")
    expect(person).to_contain_text("I use a wheelchair")
    check_a11y(page)

    # The published course is in the catalogue with its first date.
    nav(page, "Courses")
    expect_heading(page, "Find a course")
    expect(course_cards(page).filter(has_text=title)).to_contain_text(f"{first_day:%-d %B %Y}, 10:00am")
    check_a11y(page)


# -- Small screens -------------------------------------------------------------------------------------------

def test_catalogue_and_course_page_fit_a_phone_screen(new_page, live_server, courses, trainees):
    page = new_page(viewport=PHONE)
    course_url = f"{live_server}/courses/{courses['slug']}"

    page.goto(live_server + "/courses")
    expect_heading(page, "Find a course")
    expect(course_cards(page)).to_have_count(3)
    assert_fits(page, PHONE["width"])
    check_a11y(page)

    page.goto(course_url)
    expect_heading(page, ONLINE_TITLE)
    expect(page.get_by_role("link", name="Log in to enrol")).to_be_visible()
    assert_fits(page, PHONE["width"])
    check_a11y(page)

    # With a place, the page also shows the joining links and the cancel button.
    log_in(page, live_server, trainees[0])
    assert_fits(page, PHONE["width"])
    page.goto(course_url)
    page.get_by_role("button", name="Enrol").click()
    expect_banner(page, "You have a place on this course")
    expect(page.get_by_role("link", name=JOINING_LINK)).to_have_count(2)
    assert_fits(page, PHONE["width"])
    check_a11y(page)

    page.goto(live_server + "/courses?format=online&q=beginners")
    expect(course_cards(page)).to_have_count(1)
    assert_fits(page, PHONE["width"])
    check_a11y(page)
