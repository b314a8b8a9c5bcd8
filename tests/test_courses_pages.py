"""Course pages: catalogue search and filters, the course page, organisers' forms, access needs, query budgets."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from copractice.courses import operations as ops
from copractice.courses.models import Course, CourseFacilitator, Enrolment
from copractice.extensions import db
from tests.conftest import AuthActions, create_member, post_form
from tests.factories_courses import create_course
from tests.query_budget import queries_for


def titles(html):
    import re

    return re.findall(r'<h2 class="card__title"><a href="/courses/[^"]+">([^<]+)</a>', html)


def test_catalogue_search_filters_and_order(app, client):
    with app.app_context():
        create_course(title="Later online", format="online", starts_in=timedelta(days=20))
        create_course(title="Soon in person", format="in_person", starts_in=timedelta(days=2))
        full = create_course(title="Full online", format="online", capacity=1, starts_in=timedelta(days=9))
        full.places_taken = 1
        carers = create_course(title="For carers", starts_in=timedelta(days=30))
        carers.audience = ["carer"]
        create_course(title="Draft one", status="draft")
        create_course(title="No dates yet", sessions=0)
        db.session.commit()
    get = lambda q="": titles(client.get("/courses" + q).get_data(as_text=True))  # noqa: E731
    assert get() == ["Soon in person", "Full online", "Later online", "For carers", "No dates yet"]
    assert get("?format=online") == ["Full online", "Later online"]
    assert get("?format=online&has_places=y") == ["Later online"]
    assert get("?q=ONLINE") == ["Full online", "Later online"]
    assert get("?audience=carer") == ["Soon in person", "Full online", "Later online", "For carers", "No dates yet"]
    assert get("?audience=researcher") == ["Soon in person", "Full online", "Later online", "No dates yet"]
    html = client.get("/courses?q=zzzz").get_data(as_text=True)
    assert "No courses match" in html and "Try removing a filter" in html


def test_catalogue_cards_show_places_left_and_next_date(app, client):
    with app.app_context():
        course = create_course(title="Card", capacity=8)
        course.places_taken = 3
        db.session.commit()
    html = client.get("/courses").get_data(as_text=True)
    assert "5 of 8" in html and "Next date" in html and "No dates yet" not in html


def test_catalogue_pages(app, client):
    app.config["COURSES_PER_PAGE"] = 2
    with app.app_context():
        for i in range(5):
            create_course(title=f"Course {i}", starts_in=timedelta(days=i + 1), format="online")
    first = client.get("/courses?format=online").get_data(as_text=True)
    assert titles(first) == ["Course 0", "Course 1"] and "Page 1 of 3" in first
    assert titles(client.get("/courses?format=online&page=3").get_data(as_text=True)) == ["Course 4"]


def test_course_page_hides_joining_link_from_people_without_a_place(app, client, make_member):
    with app.app_context():
        slug = create_course().slug
    assert "https://meet.example/room" not in client.get(f"/courses/{slug}").get_data(as_text=True)
    make_member(email="w@example.org")
    AuthActions(client).login("w@example.org")
    html = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "https://meet.example/room" not in html and "shown to people with a place" in html


def test_draft_course_is_hidden_from_the_public(app, client):
    with app.app_context():
        slug = create_course(status="draft").slug
    assert client.get(f"/courses/{slug}").status_code == 404


def test_description_markdown_is_rendered_and_sanitised(app, client):
    with app.app_context():
        slug = create_course(description="**Bold** [site](https://nhs.uk) <script>alert(1)</script>"
                                         " [x](javascript:alert(2))").slug
    html = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "<strong>Bold</strong>" in html and 'href="https://nhs.uk"' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html


@pytest.fixture
def lead_client(app):
    client = app.test_client()
    with app.app_context():
        create_member(email="lead@example.org", role="theme_lead", themes=("cross-cutting",))
        create_member(email="fac@example.org", name="Fay Facilitator", role="facilitator")
        create_member(email="lived@example.org", name="Lee Lived")
    AuthActions(client).login("lead@example.org")
    return client


COURSE_FORM = {"title": "Co-production basics", "summary": "What co-production means.", "description": "",
               "theme_slug": "cross-cutting", "level": "introductory", "format": "blended", "capacity": "12",
               "status": "published", "facilitators": "fac@example.org", "lived_experience": "lived@example.org",
               "audience": ["carer", "patient"]}


def test_theme_lead_creates_a_course_with_facilitators_credited(app, lead_client):
    response = post_form(lead_client, "/manage/courses/new", COURSE_FORM)
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.title == "Co-production basics"))
        assert course.slug == "co-production-basics" and course.audience == ["carer", "patient"]
        credits = {(f.member.name, f.lived_experience) for f in course.facilitators}
        assert credits == {("Fay Facilitator", False), ("Lee Lived", True)}
        slug = course.slug
    page = lead_client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "Lee Lived (co-facilitator with lived experience)" in page


def test_course_form_errors_are_clear(app, lead_client):
    response = post_form(lead_client, "/manage/courses/new",
                         {**COURSE_FORM, "title": "", "capacity": "0", "facilitators": "ghost@example.org"})
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and "Enter a title." in html
    assert "Enter a number from 1 to 10,000." in html and "No account has the address: ghost@example.org" in html


def test_theme_lead_cannot_create_or_manage_outside_their_themes(app, lead_client):
    response = post_form(lead_client, "/manage/courses/new", {**COURSE_FORM, "theme_slug": "other-theme"})
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        other_id = create_course(theme_slug="other-theme").id
    assert lead_client.get(f"/manage/courses/{other_id}/edit").status_code == 403
    assert lead_client.get(f"/manage/courses/{other_id}").status_code == 403


def test_weekly_sessions_in_one_step(app, lead_client):
    with app.app_context():
        course_id = create_course(sessions=0).id
    response = post_form(lead_client, f"/manage/courses/{course_id}/sessions/new", {
        "date": "2026-10-13", "start_time": "18:00", "end_time": "20:00", "venue": "Maidstone Library",
        "repeat_weeks": "3", "online_link": "", "note": ""})
    assert response.status_code == 302
    with app.app_context():
        starts = [s.starts_at for s in db.session.get(Course, course_id).sessions]
    # 6pm UK time each week: BST (UTC+1) on 13 and 20 October, GMT after the clocks go back on the 25th.
    assert [s.strftime("%d %H:%M") for s in starts] == ["13 17:00", "20 17:00", "27 18:00"]


def test_changing_a_session_time_tells_everyone_with_a_place(app, lead_client, mailbox):
    with app.test_request_context():
        course = create_course(capacity=1)
        a, b = create_member(), create_member()
        ops.enrol(a, course), ops.enrol(b, course)
        db.session.commit()
        session_id, a_email, b_email = course.sessions[0].id, a.email, b.email
    mailbox.clear()
    response = post_form(lead_client, f"/manage/sessions/{session_id}/edit", {
        "date": "2027-01-12", "start_time": "10:00", "end_time": "12:00", "venue": "Hastings Library",
        "online_link": "", "note": ""})
    assert response.status_code == 302
    [changed] = mailbox.to(a_email)
    assert changed["Subject"].startswith("A session of") and "12 January 2027, 10:00am" in mailbox.body(changed)
    assert mailbox.to(b_email) == []  # waiting, not holding a place


def test_access_needs_sheet_lists_people_with_a_place(app, client):
    with app.test_request_context():
        course = create_course(capacity=1)
        fac = create_member(email="f@example.org", role="facilitator")
        db.session.add(CourseFacilitator(course_id=course.id, member_id=fac.id))
        db.session.commit()
        ops.enrol(create_member(name="Needs BSL", access_needs=["bsl", "step_free"], access_needs_note="Left-handed"),
                  course)
        ops.enrol(create_member(name="Waiting Person", access_needs=["easy_read"]), course)
        db.session.commit()
        session_id = course.sessions[0].id
    AuthActions(client).login("f@example.org")
    html = client.get(f"/manage/sessions/{session_id}/access-needs").get_data(as_text=True)
    assert "Needs BSL" in html and "British Sign Language (BSL) interpreter: 1 person" in html
    assert "Left-handed" in html and "Waiting Person" not in html and "Easy Read" not in html.split("Needs to plan for")[1].split("<table")[0]


def test_my_learning_shows_upcoming_sessions_and_each_state(app, client, make_member):
    me = make_member(email="me@example.org")
    with app.test_request_context():
        from copractice.members.models import Member

        m = db.session.get(Member, me.id)
        ops.enrol(m, create_course(title="Has place"))
        full = create_course(title="Full one", capacity=0)
        ops.enrol(m, full)
        gone = create_course(title="Cancelled one")
        ops.enrol(m, gone)
        ops.cancel_place(m, gone)
        db.session.commit()
    AuthActions(client).login("me@example.org")
    html = client.get("/learning").get_data(as_text=True)
    assert "Coming up" in html and "https://meet.example/room" in html
    assert "Courses you have a place on" in html and "Has place" in html
    assert "Waiting lists you are on" in html and "number 1 on the waiting list" in html
    assert "Places you cancelled" in html and "Cancelled one" in html


def _seed(app, courses, sessions, enrolled):
    with app.test_request_context():
        people = [create_member() for _ in range(enrolled)]
        made = []
        for i in range(courses):
            course = create_course(title=f"Seeded {i}", capacity=enrolled, sessions=sessions)
            for j in range(3):
                db.session.add(CourseFacilitator(course_id=course.id, member_id=people[j % len(people)].id,
                                                 lived_experience=j == 2))
            for p in people:
                db.session.add(Enrolment(course_id=course.id, member_id=p.id, status="enrolled"))
            course.places_taken = enrolled
            db.session.commit()
            made.append(course.slug)
        return made, people[0].email


@pytest.mark.parametrize("page", ["catalogue", "course", "learning"])
def test_query_count_does_not_grow_with_the_data(app, page):
    counts = []
    for size in (1, 6):
        with app.app_context():
            from tests.conftest import empty_all_tables

            empty_all_tables()
        slugs, email = _seed(app, courses=3 * size, sessions=2 * size, enrolled=3 * size)
        client = app.test_client()
        AuthActions(client).login(email)
        url = {"catalogue": "/courses?format=in_person", "course": f"/courses/{slugs[0]}", "learning": "/learning"}[page]
        status, count = queries_for(app, client, url)
        assert status == 200
        counts.append(count)
    assert counts[0] == counts[1], f"{page}: {counts[0]} queries with little data, {counts[1]} with more"
    assert counts[1] <= 12, f"{page} runs {counts[1]} queries"
