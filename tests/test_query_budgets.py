"""Every page the scale issue names runs a fixed number of SQL statements, whatever the data size,
and every statement those pages run can use an index where it filters or sorts."""
from datetime import timedelta

from sqlalchemy import event

from copractice.attendance import operations as attendance_ops
from copractice.courses.models import CourseFacilitator, Enrolment
from copractice.extensions import db
from tests.conftest import AuthActions, create_member, empty_all_tables
from tests.factories_courses import create_course
from tests.query_budget import counted_queries

# The most statements each page may run (a budget: raising it should be a decision, not an accident).
# Measured with the bundled plugins installed but disabled; an enabled plugin may add its hooks' queries.
# Each includes the page cache's look-up of the site's generation (and, with PLUGIN_STATE_TTL 0 as in
# tests, of the plugin switches): these are the statements of a page that is not in the cache yet.
BUDGETS = {"catalogue": 3, "catalogue_search": 3, "course": 5, "learning": 4, "register": 5, "course_report": 7,
           "library_search": 10, "ical": 6, "course_visitor": 2}
# Issue 12 point 4: catalogue 3 (the order from next_session_at, its count and its cards in one statement);
# course 5 and course_visitor 2 (the course joined to all the rest of its page, one UNION ALL); learning 4 (the
# member, its leaderships, one statement for the sessions coming up, the lists of courses, the completions and
# the hours, and the plugin switches as tests read them: was 7, budget 11); course_report 8 and register 6
# (completions and the enrolled come with the people; a register page reads its session and course in one).
# learning 3, register 5, course_report 7: the signed-in member comes with their theme leaderships (one statement).
# learning 4 (issue 16 point 3): one more statement for the course evaluation surveys waiting for the member.


def seed(app, size):
    """A facilitator's course with ``10 * size`` people over ``5 * size`` sessions, marked, plus other data."""
    from tests.test_library import add

    with app.test_request_context():
        empty_all_tables()
        facilitator = create_member(email="fac@example.org", role="facilitator")
        trainee = create_member(email="trainee@example.org", calendar_token="t" * 40)
        people = [trainee] + [create_member(access_needs=["bsl"] if i % 3 == 0 else []) for i in range(10 * size - 1)]
        course = create_course(title="Big course", capacity=10 * size, sessions=5 * size, starts_in=timedelta(days=-60))
        db.session.add(CourseFacilitator(course_id=course.id, member_id=facilitator.id))
        for person in people:
            db.session.add(Enrolment(course_id=course.id, member_id=person.id, status="enrolled"))
        course.places_taken = len(people)
        for i in range(3 * size):
            other = create_course(title=f"Other course {i}", format="online" if i % 2 else "in_person")
            db.session.add(Enrolment(course_id=other.id, member_id=trainee.id, status="enrolled"))
            other.places_taken = 1
        db.session.commit()
        for session in course.sessions[: 2 * size]:
            for person in people:
                attendance_ops.mark(facilitator, session, person.id, "present")
        db.session.commit()
        for i in range(4 * size):
            add(title=f"Guide {i} to co-production", audience=["carer"], type=["guide", "leaflet"][i % 2],
                upload=None, external_url="https://example.org/guide")
        return {"slug": course.slug, "course": course.id, "session": course.sessions[0].id}


def urls(ids):
    return {
        "catalogue": ("anonymous", "/courses"),
        "catalogue_search": ("anonymous", "/courses?q=course&format=online&has_places=y"),
        "course": ("trainee", f"/courses/{ids['slug']}"),
        "course_visitor": ("anonymous", f"/courses/{ids['slug']}"),
        "learning": ("trainee", "/learning"),
        "register": ("fac", f"/manage/sessions/{ids['session']}/register"),
        "course_report": ("fac", f"/reports/courses/{ids['course']}"),
        "library_search": ("trainee", "/resources?q=guide&type=guide&audience=carer"),
        "ical": ("anonymous", "/calendar/" + "t" * 40 + ".ics"),
    }


def clients(app):
    made = {"anonymous": app.test_client()}
    for who in ("trainee", "fac"):
        made[who] = app.test_client()
        AuthActions(made[who]).login(f"{who}@example.org")
    return made


def page_counts(app, size):
    ids = seed(app, size)
    made = clients(app)
    counts = {}
    for page, (who, url) in urls(ids).items():
        with counted_queries(app) as statements:
            response = made[who].get(url)
        assert response.status_code == 200, (page, response.status_code)
        counts[page] = len(statements)
    return counts


def test_pages_run_the_same_statements_at_two_sizes_within_budget(app):
    """Size 4 has 4x the people, sessions, marks, courses and resources of size 1: the counts must not move."""
    small, large = page_counts(app, 1), page_counts(app, 4)
    grew = {page: (small[page], large[page]) for page in small if small[page] != large[page]}
    assert grew == {}, f"statements grew with the data (an N+1?): {grew}"
    over = {page: n for page, n in large.items() if n > BUDGETS[page]}
    assert over == {}, f"over budget: {over}; budgets {BUDGETS}"


# Tables small by nature (a row per plugin or setting), where reading them whole is right.
SMALL_TABLES = {"plugin_state", "plugin_setting", "alembic_version"}


def plans(app, statements):
    """(statement, plan text) for each captured SELECT, planned as the database would run it at scale."""
    out = []
    with app.app_context():
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            postgres = db.engine.dialect.name == "postgresql"
            if postgres:
                cursor.execute("SET enable_seqscan = off")  # plan as if the tables were big
            for statement, parameters in statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                prefix = "EXPLAIN " if postgres else "EXPLAIN QUERY PLAN "
                cursor.execute(prefix + statement, parameters)
                out.append((statement, "\n".join(str(row[-1] if not postgres else row[0]) for row in cursor.fetchall())))
        finally:
            connection.close()
    return out


def full_scans(plan, postgres):
    import re

    # SQLite says SEARCH for an index look-up; SCAN (even "USING INDEX") reads the whole table or index.
    tables = re.findall(r"Seq Scan on (\w+)", plan) if postgres else re.findall(r"^SCAN (\w+)\b", plan, flags=re.M)
    real_tables = set(db.metadata.tables)  # not subqueries the database materialises for itself
    return [t for t in tables if t in real_tables and t not in SMALL_TABLES]


def test_page_queries_use_indexes(app):
    ids = seed(app, 1)
    with app.app_context():
        engine = db.engine
    captured = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany:
            captured.append((statement, parameters))

    made = clients(app)
    event.listen(engine, "before_cursor_execute", record)
    try:
        for who, url in urls(ids).values():
            assert made[who].get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    postgres = engine.dialect.name == "postgresql"
    problems = []
    for statement, plan in plans(app, captured):
        scans = full_scans(plan, postgres)
        if scans:
            problems.append(f"full scan of {scans} in: {statement[:300]}\n{plan}")
    assert problems == [], "\n\n".join(problems)
