"""Every page under /manage/ runs a fixed number of SQL statements, whatever the size of the course behind it.

A page that loads its rows one by one (a dropped eager load, an N+1 in a template) runs more statements
when there are more enrolments, sessions, marks or resources: comparing two sizes catches it, and the
budget catches a page that grows by a constant. A new GET page under /manage/ needs a row here.
"""
from datetime import timedelta

from copractice.attendance import operations as attendance_ops
from copractice.courses.models import CourseFacilitator, Enrolment
from copractice.extensions import db
from copractice.library.models import ResourceSuggestion
from tests.conftest import AuthActions, create_member, empty_all_tables
from tests.factories_courses import create_course
from tests.query_budget import counted_queries

# page: (who, url, most statements). Measured (SQLite and PostgreSQL agree) with the bundled plugins installed
# but disabled; each count includes the page cache's look-ups and the signed-in member's load. Raising a
# budget should be a decision, not an accident.
PAGES = {
    "manage.courses": ("admin", "/manage/courses", 5),
    "manage.courses (facilitator)": ("fac", "/manage/courses", 5),
    "manage.new_course": ("admin", "/manage/courses/new", 3),
    "manage.edit_course": ("admin", "/manage/courses/{course}/edit", 7),
    "manage.course": ("admin", "/manage/courses/{course}", 8),
    "manage.course (facilitator)": ("fac", "/manage/courses/{course}", 10),
    "manage.new_session": ("admin", "/manage/courses/{course}/sessions/new", 4),
    "manage.edit_session": ("admin", "/manage/sessions/{session}/edit", 5),
    "manage.access_needs": ("admin", "/manage/sessions/{session}/access-needs", 7),
    "attendance.register": ("admin", "/manage/sessions/{session}/register", 8),
    "attendance.register (facilitator)": ("fac", "/manage/sessions/{session}/register", 10),
    "attendance.register_history": ("admin", "/manage/sessions/{session}/register/history", 7),
    "attendance.show_checkin": ("admin", "/manage/sessions/{session}/check-in", 5),
    "attendance.checkin_json": ("admin", "/manage/sessions/{session}/check-in.json", 4),
    "attendance.import_report": ("admin", "/manage/sessions/{session}/import", 7),
    "library.manage": ("admin", "/manage/resources", 12),  # + the download counts, in their own table since issue 12
    "library.new": ("admin", "/manage/resources/new", 3),
    "library.edit": ("admin", "/manage/resources/{resource_id}/edit", 8),
}


def seed(app, size):
    """A course with ``10 * size`` people, ``3 * size`` waiting, ``5 * size`` sessions (``2 * size`` marked and
    corrected), ``size + 1`` facilitators; ``3 * size`` other courses; ``4 * size`` resources; ``2 * size`` suggestions."""
    from tests.test_library import add

    with app.test_request_context():
        empty_all_tables()
        admin = create_member(email="admin@example.org", role="admin")
        facilitator = create_member(email="fac@example.org", role="facilitator")
        course = create_course(title="Big course", capacity=10 * size, sessions=5 * size,
                               starts_in=timedelta(days=-7 * 2 * size - 1), audience=["carer", "patient"])
        for extra in [facilitator] + [create_member(role="facilitator") for _ in range(size)]:
            db.session.add(CourseFacilitator(course_id=course.id, member_id=extra.id, lived_experience=extra.id % 2 == 0))
        people = [create_member(access_needs=["bsl", "step_free"] if i % 3 == 0 else []) for i in range(10 * size)]
        for person in people:
            db.session.add(Enrolment(course_id=course.id, member_id=person.id, status="enrolled"))
        course.places_taken = len(people)
        for i in range(3 * size):
            db.session.add(Enrolment(course_id=course.id, member_id=create_member().id, status="waiting",
                                     queue_key=float(i + 1)))
        for i in range(3 * size):
            other = create_course(title=f"Other course {i}", sessions=2)
            db.session.add(CourseFacilitator(course_id=other.id, member_id=facilitator.id))
        db.session.commit()
        for session in course.sessions[: 2 * size]:
            for person in people:
                attendance_ops.mark(admin, session, person.id, "present")
                attendance_ops.mark(admin, session, person.id, "late", remark="Bus")
        db.session.commit()
        resources = [add(title=f"Guide {i} to co-production", audience=["carer"], upload=None,
                         external_url="https://example.org/guide", tags=["listening", f"tag{i}"])
                     for i in range(4 * size)]
        for i in range(2 * size):
            db.session.add(ResourceSuggestion(member_id=people[i].id, title=f"Suggestion {i}",
                                              theme_slug="cross-cutting"))
        db.session.commit()
        return {"course": course.id, "session": course.sessions[0].id, "resource_id": resources[0].id}


def page_counts(app, size):
    ids = seed(app, size)
    clients = {}
    for who in ("admin", "fac"):
        clients[who] = app.test_client()
        assert AuthActions(clients[who]).login(f"{who}@example.org").status_code == 302
    counts = {}
    for page, (who, url, _budget) in PAGES.items():
        with counted_queries(app) as statements:
            response = clients[who].get(url.format(**ids))
        assert response.status_code == 200, (page, response.status_code)
        counts[page] = len(statements)
    return counts


def test_every_manage_page_has_a_budget(app):
    pages = {rule.endpoint for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/manage/") and "GET" in rule.methods}
    assert pages - {page.split(" ")[0] for page in PAGES} == set(), "give these /manage/ pages a query budget"


def test_manage_pages_run_the_same_statements_at_two_sizes_within_budget(app):
    """Size 5 has five times the people, sessions, marks, courses and resources of size 1: counts must not move."""
    small, large = page_counts(app, 1), page_counts(app, 5)
    grew = {page: (small[page], large[page]) for page in small if small[page] != large[page]}
    assert grew == {}, f"statements grew with the data (an N+1?): {grew}"
    over = {page: (n, PAGES[page][2]) for page, n in large.items() if n > PAGES[page][2]}
    assert over == {}, f"over budget (count, budget): {over}"
