"""Issue 13 point 7, item 2: a plugin's report column is worked out once per report, for all its rows.

``ReportColumn.values(member_ids, course)`` is called once with every row's member id and answers
{member_id: cell}; the report's statements do not grow with the number of members, in the page and in its
CSV and XLSX exports. The dementia plugin's "Bringing a companion" column is the bundled example.
"""
import csv
import io
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from copractice.attendance import operations as ops
from copractice.attendance import reports
from copractice.courses import operations as course_ops
from copractice.extensions import db
from copractice.plugin_api import ReportColumn
from copractice.plugin_models import PluginState
from tests.conftest import AuthActions, create_member, empty_all_tables
from tests.factories_courses import create_course
from tests.plugins import report_columns_plugin
from tests.query_budget import counted_queries

pytest.importorskip("copractice_dementia")


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["columns=tests.plugins.report_columns_plugin"]}


def seed(app, people):
    """A course with ``people`` enrolled, marked at two held sessions; the first brings a companion."""
    from copractice_dementia.models import Companion

    with app.test_request_context():
        empty_all_tables()
        for name in ("columns", "dementia"):
            db.session.merge(PluginState(name=name, enabled=True))
        admin = create_member(email="admin@example.org", role="admin")
        course = create_course(capacity=100, sessions=2, starts_in=timedelta(days=-20), theme_slug="dementia")
        members = [create_member(name=f"Person {i:02}", organisation=f"Org {i}" if i % 2 else None)
                   for i in range(people)]
        for member in members:
            course_ops.enrol(member, course, organiser=admin)
        for session in course.sessions:
            for member in members:
                ops.mark(admin, session, member.id, "present")
        db.session.add(Companion(course_id=course.id, member_id=members[0].id, name="Jo Carer"))
        db.session.commit()
        return course.id, [m.id for m in members]


def statements(app, url):
    client = app.test_client()
    AuthActions(client).login("admin@example.org")
    with counted_queries(app) as run:
        response = client.get(url)
        response.get_data()  # an export streams: its statements run as it is read
    response.close()
    assert response.status_code == 200
    return response, len(run)


@pytest.mark.parametrize("export", ["", "?format=csv", "?format=xlsx"])
def test_report_statements_do_not_grow_with_members_when_plugins_add_columns(app, export):
    counts = []
    for people in (3, 15):
        course_id, member_ids = seed(app, people)
        report_columns_plugin.CALLS.clear()
        _response, count = statements(app, f"/reports/courses/{course_id}{export}")
        counts.append(count)
        # the column was asked once, for every row of the report
        assert [(sorted(member_ids), course_id)] == report_columns_plugin.CALLS
    assert counts[0] == counts[1], f"statements grew with the members: {counts}"


def test_cells_reach_the_page_and_both_exports(app):
    course_id, member_ids = seed(app, 4)
    page, _ = statements(app, f"/reports/courses/{course_id}")
    html = page.get_data(as_text=True)
    assert "<th scope=\"col\">Organisation (read once)</th>" in html
    assert "<th scope=\"col\">Bringing a companion</th>" in html
    assert "<td>Org 1</td>" in html and "<td>none</td>" in html

    exported, _ = statements(app, f"/reports/courses/{course_id}?format=csv")
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True))))
    header = rows[0]
    org, companion = header.index("Organisation (read once)"), header.index("Bringing a companion")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Person 00"][org] == "none" and by_name["Person 01"][org] == "Org 1"
    assert by_name["Person 00"][companion] == "Yes" and by_name["Person 01"][companion] == ""

    workbook, _ = statements(app, f"/reports/courses/{course_id}?format=xlsx")
    sheet = list(load_workbook(io.BytesIO(workbook.data)).active.iter_rows(values_only=True))
    assert set(sheet[0][-2:]) == {"Organisation (read once)", "Bringing a companion"}  # in plugin order
    cells = {row[0]: row for row in sheet[1:]}
    assert cells["Person 00"][list(sheet[0]).index("Bringing a companion")] == "Yes"


def test_a_failing_or_partial_column_leaves_blank_cells_and_the_report_stands(app):
    course_id, member_ids = seed(app, 3)

    def broken(member_ids, course):
        raise RuntimeError("the plugin's database is down")

    def partial(member_ids, course):
        return {member_ids[0]: "first only"}

    with app.test_request_context():
        from copractice.courses.models import Course

        course = db.session.get(Course, course_id)
        grid = reports.course_grid(course, columns=[ReportColumn("Broken", broken), ReportColumn("Partial", partial)])
        headers, rows = reports.course_grid_table(grid)
        assert headers[-2:] == ["Broken", "Partial"]
        assert [row[-2] for row in rows] == ["", "", ""]
        assert sorted(row[-1] for row in rows) == ["", "", "first only"]
