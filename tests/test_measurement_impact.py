"""Issue 16 point 6: the impact log, indicators worked out from the site's data (suppressed), the yearly report and
its PDF/CSV/XLSX, projects' GRIPP2 short form (PDF and Markdown), and the copractice_impact_indicators hook."""
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from copractice.attendance.models import Attendance, Completion
from copractice.courses.models import CourseFacilitator, Enrolment
from copractice.errors import Refused
from copractice.extensions import db
from copractice.measurement import impact, indicators
from copractice.measurement.impact_models import ImpactContributor, ImpactEntry
from copractice.members.data_rights import erase_member, export_member_data
from copractice.members.models import Member
from copractice.timeutil import utcnow
from tests.conftest import create_member, post_form
from tests.factories_courses import create_course
from tests.plugins import impact_indicators as plugin
from tests.query_budget import queries_for


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["impact_indicators=tests.plugins.impact_indicators",
                              "impact_indicators_raising=tests.plugins.impact_indicators_raising"]}


def _past_course(sessions=2, theme="cross-cutting"):
    """A course whose sessions happened this year (starting in January so they fall within the year)."""
    course = create_course(sessions=sessions, theme_slug=theme, starts_in=timedelta(days=0))
    start = utcnow().replace(month=1, day=10, hour=10, minute=0, second=0, microsecond=0)
    for i, s in enumerate(course.sessions):
        s.starts_at, s.ends_at = start + timedelta(weeks=i), start + timedelta(weeks=i, hours=2)
    db.session.commit()
    return course


def _trained(course, people, *, last=True, complete=True):
    for person in people:
        db.session.add(Enrolment(course_id=course.id, member_id=person.id, status="enrolled", enrolled_at=utcnow()))
        for i, s in enumerate(course.sessions):
            if i < len(course.sessions) - 1 or last:
                db.session.add(Attendance(session_id=s.id, member_id=person.id, status="present"))
        if complete:
            db.session.add(Completion(course_id=course.id, member_id=person.id, attended=len(course.sessions),
                                      counted=len(course.sessions), completed_at=course.sessions[-1].ends_at))
    db.session.commit()


def by_key(found):
    return {i.key: i for i in found}


def test_indicators_are_worked_out_from_attendance_and_completions_and_suppressed(app):
    year = utcnow().year
    with app.test_request_context():
        course = _past_course(sessions=2)
        carer = create_member(stakeholder_type="carer")
        db.session.add(CourseFacilitator(course_id=course.id, member_id=carer.id))
        kent = [create_member(stakeholder_type="patient", area="kent") for _ in range(6)]
        medway = [create_member(stakeholder_type="researcher", area="medway") for _ in range(2)]
        _trained(course, kent + medway)
        leavers = [create_member() for _ in range(5)]
        _trained(course, leavers, last=False, complete=False)
        other = _past_course(sessions=1, theme="dementia")  # another theme: not in Cross-cutting's figures
        _trained(other, [create_member() for _ in range(5)])

        found = by_key(indicators.indicators("cross-cutting", year))
        table = found["people_trained"].table
        assert str(table.column_totals["kent"]) == "6"
        assert str(table.cell("researcher", "medway")) == "fewer than 5"  # 2 people: hidden
        assert table.row_totals["researcher"].hidden  # the row's total would give the 2 away
        shown = [c.shown for c in [*table.cells.values(), *table.row_totals.values(), *table.column_totals.values()]]
        assert 2 not in shown
        assert str(found["people_trained"].headline) == "8"
        # 13 people attended the first session, 8 the second: 21 attendances of 2 hours.
        assert found["learning_hours"].headline.shown == 42.0
        assert found["co_facilitation"].headline.hidden  # 0 sessions without a lived-experience facilitator: hidden
        assert str(found["co_facilitation"].counts["co"]) == "fewer than 5"
        retention = found["retention"]
        assert (retention.counts["stayed"].shown, retention.counts["left"].shown) == (8, 5)
        assert retention.headline.shown == pytest.approx(61.5)
        assert found["needs_met"].headline is None and found["needs_met"].shown == "not yet measured"
        assert found["involvement_hours"].headline.hidden  # nobody at a group meeting
        everything = by_key(indicators.indicators(None, year))
        assert str(everything["people_trained"].headline) == "13"
        assert by_key(indicators.indicators("cross-cutting", year - 1))["people_trained"].headline.hidden


def test_sessions_with_a_lived_experience_facilitator_make_the_share(app):
    year = utcnow().year
    with app.test_request_context():
        for lived in (True,) * 5 + (False,) * 5:
            course = _past_course(sessions=1)
            helper = create_member(stakeholder_type="patient" if lived else "researcher")
            db.session.add(CourseFacilitator(course_id=course.id, member_id=helper.id))
        marked = _past_course(sessions=1)  # a researcher marked as bringing lived experience counts too
        db.session.add(CourseFacilitator(course_id=marked.id, member_id=create_member(stakeholder_type="researcher").id,
                                         lived_experience=True))
        db.session.commit()
        share = by_key(indicators.indicators("cross-cutting", year))["co_facilitation"]
        assert (share.counts["co"].shown, share.counts["other"].shown) == (6, 5)
        assert share.headline.shown == pytest.approx(54.5)


def _entry(**changes):
    data = dict(theme_slug="cross-cutting", what_changed="Invitations now come in Easy Read",
                for_whom="People with learning disabilities", happened_on=date(utcnow().year, 3, 1),
                evidence="Twice as many replies", evidence_link="https://example.org/report",
                principle="all_perspectives", standard="communications")
    data.update(changes)
    return impact.EntryInput(**data)


def test_a_lead_logs_an_impact_linked_to_a_principle_and_the_rules_refuse_bad_input(app):
    with app.test_request_context():
        lead = create_member(role="theme_lead", themes=("cross-cutting",))
        helper = create_member(email="helper@example.org")
        entry = impact.save_entry(lead, None, _entry(contributors="helper@example.org"))
        db.session.commit()
        row = impact.log_rows(theme_slug="cross-cutting", year=utcnow().year)[0]
        assert (row.principle, row.standard, row.contributors) == (
            "Including all perspectives and skills", "Communications", [helper.name])
        for changes, field in [({"theme_slug": "dementia"}, "theme_slug"), ({"what_changed": " "}, "what_changed"),
                               ({"for_whom": ""}, "for_whom"), ({"happened_on": None}, "happened_on"),
                               ({"evidence_link": "javascript:alert(1)"}, "evidence_link"),
                               ({"principle": "power"}, "principle"), ({"standard": "x"}, "standard"),
                               ({"contributors": "nobody@example.org"}, "contributors"),
                               ({"decision_id": 999999}, "decision_id")]:
            with pytest.raises(impact.ImpactRefused) as refused:
                impact.save_entry(lead, None, _entry(**changes))
            assert refused.value.field == field
        trainee = create_member()
        with pytest.raises(Refused):
            impact.save_entry(trainee, None, _entry())
        with pytest.raises(Refused):
            impact.remove_entry(trainee, entry)
        # The contributor's data: in their export; erased with their account (what changed stays).
        assert export_member_data(helper)["impact"]["contributed_to"][0]["what_changed"].startswith("Invitations")
        erase_member(helper)
        db.session.commit()
        assert db.session.scalar(select(ImpactContributor).where(ImpactContributor.member_id == helper.id)) is None
        assert db.session.get(ImpactEntry, entry.id) is not None


def test_the_form_shows_errors_beside_fields_and_the_report_page_and_exports_agree(app, client, login):
    year = utcnow().year
    with app.app_context():
        create_member(role="theme_lead", themes=("cross-cutting",), email="lead@example.org")
    login(client, "lead@example.org")
    bad = post_form(client, "/impact/new", {"theme_slug": "cross-cutting", "what_changed": "", "for_whom": "",
                                            "happened_on": "not a date"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "There is a problem" in html and "Write what changed." in html
    ok = post_form(client, "/impact/new", {"theme_slug": "cross-cutting", "what_changed": "The forum meets at 6pm",
                                           "for_whom": "Working carers", "happened_on": f"{year}-02-01",
                                           "principle": "reciprocity", "standard": "", "decision_id": "",
                                           "said_we_did_id": ""})
    assert ok.status_code == 302
    page = client.get(f"/impact/report?theme=cross-cutting&year={year}").get_data(as_text=True)
    assert "The forum meets at 6pm" in page and "Reciprocity" in page and "not yet measured" in page
    assert client.get("/impact/report?theme=nope&year=abc").status_code == 200  # bad picks are ignored
    csv_text = client.get(f"/impact/report.csv?theme=cross-cutting&year={year}").get_data(as_text=True)
    assert "People trained (completed a course),fewer than 5" in csv_text
    assert "Training needs met,not yet measured" in csv_text
    sheet = load_workbook(io.BytesIO(client.get(f"/impact/report.xlsx?year={year}").data)).active
    assert [c.value for c in next(sheet.iter_rows(max_row=1))][:2] == ["Indicator", "Value"]
    pdf = client.get(f"/impact/report.pdf?theme=cross-cutting&year={year}")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


REPORT_BUDGET = 14  # measured: 11 on the report (the member, plugins, the indicators' queries, the log, contributors)


def test_report_pages_read_a_fixed_number_of_queries(app, client, login):
    year = utcnow().year
    with app.test_request_context():
        lead = create_member(role="theme_lead", themes=("cross-cutting",), email="lead@example.org")
        lead_id = lead.id
        course = _past_course(sessions=2)
        _trained(course, [create_member() for _ in range(3)])
        impact.save_entry(lead, None, _entry())
        db.session.commit()
    urls = [f"/impact/report?theme=cross-cutting&year={year}", f"/impact/?year={year}",
            f"/impact/report.csv?year={year}"]

    def count():
        found = {}
        for url in urls:
            status, found[url] = queries_for(app, client, url)
            assert status == 200
        return found

    login(client, "lead@example.org")
    small = count()
    assert max(small.values()) <= REPORT_BUDGET, small
    with app.test_request_context():
        for n in range(6):
            impact.save_entry(db.session.get(Member, lead_id), None, _entry(what_changed=f"Change {n}"))
        course = _past_course(sessions=3)
        _trained(course, [create_member() for _ in range(6)])
    assert count() == small


def test_gripp2_short_form_says_not_reported_for_an_empty_item_and_exports_pdf_and_markdown(app, client, login):
    with app.test_request_context():
        lead = create_member(role="theme_lead", themes=("cross-cutting",))
        create_member(email="plead@example.org")
        project = impact.save_project(lead, None, impact.ProjectInput(
            name="Memory cafe study", theme_slug="cross-cutting", leads="plead@example.org",
            aim="Hear from carers", methods="Six workshops"))
        db.session.commit()
        pid = project.id
        with pytest.raises(Refused):
            impact.save_project(create_member(), project, impact.ProjectInput(name="X", theme_slug="cross-cutting"))
    login(client, "plead@example.org")  # a lead who is a trainee fills in the record
    assert post_form(client, f"/impact/projects/{pid}/edit", {
        "name": "Memory cafe study", "theme_slug": "cross-cutting", "leads": "plead@example.org",
        "aim": "Hear from carers", "methods": "Six workshops", "results": "Two changes to the design",
        "outcomes": "", "reflection": ""}).status_code == 302
    md = client.get(f"/impact/projects/{pid}/gripp2.md").get_data(as_text=True)
    assert "## Results\n\n*" in md and "Two changes to the design" in md
    assert md.count("Not reported") == 2  # outcomes and critical reflection
    assert client.get(f"/impact/projects/{pid}/gripp2.pdf").data.startswith(b"%PDF")
    assert client.get(f"/impact/projects/{pid}/gripp2.doc").status_code == 404


def test_plugin_indicators_are_suppressed_by_the_core_and_a_raising_plugin_is_skipped(app, enable_plugin):
    enable_plugin("impact_indicators")
    enable_plugin("impact_indicators_raising")
    plugin.ASKED.clear()
    with app.test_request_context():
        found = by_key(indicators.indicators("dementia", 2026))
    assert plugin.ASKED == [("dementia", 2026)]
    cafes = found["impact_indicators.memory_cafes"]
    assert (str(cafes.counts["Kent"]), str(cafes.counts["Medway"])) == ("not shown", "fewer than 5")
    assert cafes.headline.shown == 14 and cafes.source == "impact_indicators"
    assert found["impact_indicators.confidence"].headline.hidden  # 3 people: too few
    assert not any(i.label == "No key: left out" for i in found.values())
    assert "needs_met" in found  # the raising plugin is skipped; the core's indicators stay
