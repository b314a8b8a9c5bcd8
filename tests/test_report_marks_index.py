"""The course report reads its marks from an index alone (migrations 0017 and 0043), on both databases.

Issue 17 left co-facilitators' marks out of the report, so the marks statement also asks for each mark's source;
the index of 0017 did not hold it, and PostgreSQL went back to the table for every mark (5,198 buffers and 4.3 ms
for the benchmark's 8,400 marks, against 202 buffers and 1.9 ms from the index). The check is made on the statement
the report really runs, so a later change to that statement that needs another column shows here too.
"""
from sqlalchemy import event, inspect

from copractice.attendance import reports
from copractice.attendance.models import Attendance
from copractice.courses.models import Course
from copractice.extensions import db
from tests.test_report_columns_once import seed


def _marks_statement(app, course_id):
    """(SQL, parameters) of the statement that reads the marks, as course_grid runs it."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "array_agg" in statement or "json_group_array" in statement:
            seen.append((statement, parameters))

    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", keep)
        try:
            reports.course_grid(db.session.get(Course, course_id))
        finally:
            event.remove(db.engine, "before_cursor_execute", keep)
    assert len(seen) == 1, seen
    return seen[0]


def test_the_reports_marks_come_from_the_index_alone(app):
    course_id, _ = seed(app, 6)
    statement, parameters = _marks_statement(app, course_id)
    read = {column.name for column in Attendance.__table__.columns if f"attendance.{column.name}" in statement}
    assert {"session_id", "member_id", "status", "source"} <= read, read
    with app.app_context():
        conn = db.session.connection()
        # Every column the statement reads is in one index that starts with the session: what lets PostgreSQL
        # answer from the index alone once the table's pages are all visible (as autovacuum keeps them on real
        # data). Its plan on a tiny test table is a coin toss: the visibility map depends on what earlier tests
        # deleted and on the other worker's open transactions, and enable_indexscan also governs index-only scans.
        covering = [index["name"] for index in inspect(conn).get_indexes("attendance")
                    if index["column_names"][0] == "session_id" and read <= set(index["column_names"])]
        assert covering == ["ix_attendance_session_member_status_source"], covering
        if conn.dialect.name == "sqlite":  # SQLite's choice does not depend on costs like these: its plan is read
            plan = "\n".join(row[-1] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters))
            assert "USING COVERING INDEX ix_attendance_session_member_status_source" in plan, plan
        db.session.rollback()
