"""Co-agreed standards (issue 16 point 5, Innovation Wards): standards, measures, who designed and who monitors
each measure, measurements against targets, the share of measures designed or monitored with patients or carers,
the pages, exports, the member's data and the query budget."""
import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from copractice.errors import Refused
from copractice.extensions import db
from copractice.measurement import standards as st
from copractice.measurement.standards_models import MeasurePerson
from copractice.members import data_rights
from copractice.testing import log_in
from copractice.timeutil import utcnow
from tests.conftest import post_form
from tests.query_budget import queries_for
from tests.test_measurement_selfassessment import make_team


def test_only_those_who_run_the_group_agree_standards_and_measures(app):
    with app.app_context():
        group, chair, (carer,), outsider = make_team(["carer"])
        for who in (carer, outsider):
            with pytest.raises(Refused):
                st.add_standard(who, group, title="People help write their care plan")
        standard = st.add_standard(chair, group, title="People help write their care plan")
        with pytest.raises(Refused, match="number"):
            st.add_measure(chair, standard, title="Care plans co-written", target="lots")
        with pytest.raises(Refused, match="number"):
            st.add_measure(chair, standard, title="Care plans co-written", target=float("nan"))
        with pytest.raises(Refused):
            st.add_measure(carer, standard, title="Care plans co-written", target=80)
        measure = st.add_measure(chair, standard, title="Care plans co-written", target=80, unit="%")
        assert measure.target == 80.0 and measure.higher_is_better


def test_who_designed_and_monitors_members_and_named_people_with_their_stakeholder_types(app):
    with app.app_context():
        group, chair, (carer, nurse), outsider = make_team(["carer", "practitioner"])
        standard = st.add_standard(chair, group, title="Visiting is welcoming")
        measure = st.add_measure(chair, standard, title="Visitors who felt welcome", target=90)
        st.add_person(chair, measure, part="designed", member_id=carer.id)
        with pytest.raises(Refused, match="already"):
            st.add_person(chair, measure, part="designed", member_id=carer.id)
        with pytest.raises(Refused, match="member of the group"):
            st.add_person(chair, measure, part="designed", member_id=outsider.id)
        with pytest.raises(Refused, match="describes"):
            st.add_person(chair, measure, part="designed", name="Pat Visitor", stakeholder_type="wizard")
        with pytest.raises(Refused, match="not both"):
            st.add_person(chair, measure, part="designed", member_id=nurse.id, name="Pat")
        with pytest.raises(Refused):
            st.add_person(carer, measure, part="designed", name="Pat Visitor", stakeholder_type="patient")
        named = st.add_person(chair, measure, part="monitors", name="Pat Visitor", stakeholder_type="patient")
        st.add_person(chair, measure, part="monitors", member_id=nurse.id)
        people = {(p.part, p.display_name, p.stakeholder_type) for p in measure.people}
        assert people == {("designed", carer.name, "carer"), ("monitors", "Pat Visitor", "patient"),
                          ("monitors", nurse.name, "practitioner")}
        st.remove_person(chair, measure, named.id)
        assert not st.with_patients_or_carers(measure, "monitors")
        assert st.with_patients_or_carers(measure, "designed")


def test_measurements_over_time_against_the_target_by_organisers_and_monitors(app):
    with app.app_context():
        group, chair, (carer, nurse), _ = make_team(["carer", "practitioner"])
        standard = st.add_standard(chair, group, title="Fewer restraints")
        measure = st.add_measure(chair, standard, title="Restraints a month", target=2, higher_is_better=False)
        today = utcnow().date()
        with pytest.raises(Refused, match="monitoring"):
            st.record_measurement(nurse, measure, measured_on=today, value=3)
        st.add_person(chair, measure, part="monitors", member_id=nurse.id)
        with pytest.raises(Refused, match="future"):
            st.record_measurement(nurse, measure, measured_on=today + timedelta(days=2), value=3)
        with pytest.raises(Refused, match="number"):
            st.record_measurement(nurse, measure, measured_on=today, value="three")
        st.record_measurement(nurse, measure, measured_on=today - timedelta(days=40), value=5)
        st.record_measurement(chair, measure, measured_on=today, value=1)
        with pytest.raises(Refused):
            st.record_measurement(carer, measure, measured_on=today, value=1)
        assert [m.value for m in measure.measurements] == [5.0, 1.0]
        assert [st.met(measure, m.value) for m in measure.measurements] == [False, True]
        bars, target_at = st.progress_bars(measure)
        assert [b.percent for b in bars] == [100.0, 20.0] and target_at == 40.0


def _measure(chair, standard, title, designed=(), monitors=()):
    measure = st.add_measure(chair, standard, title=title, target=50)
    for who in designed:
        st.add_person(chair, measure, part="designed", **who)
    for who in monitors:
        st.add_person(chair, measure, part="monitors", **who)
    return measure


def test_report_shares_of_measures_designed_and_monitored_with_patients_or_carers(app):
    with app.app_context():
        group, chair, (carer, nurse, doctor), _ = make_team(["carer", "practitioner", "researcher"])
        standard = st.add_standard(chair, group, title="Care plans")
        _measure(chair, standard, "A", designed=[{"member_id": carer.id}], monitors=[{"member_id": nurse.id}])
        _measure(chair, standard, "B", designed=[{"name": "Pat", "stakeholder_type": "patient"}],
                 monitors=[{"name": "Sam", "stakeholder_type": "young_person"}])
        _measure(chair, standard, "C", designed=[{"member_id": doctor.id}])
        other = st.add_standard(chair, group, title="Visiting")
        _measure(chair, other, "D", designed=[{"member_id": nurse.id}])
        report = st.report(group)
        assert (report.measures.shown, report.designed_with.shown, report.monitored_with.shown) == (4, 2, 1)
        assert (report.designed_share, report.monitored_share) == ("50%", "25%")


def _setup_group_with_measure(app, measurements=1):
    with app.app_context():
        group, chair, (carer, nurse), _ = make_team(["carer", "practitioner"])
        standard = st.add_standard(chair, group, title="Care plans")
        measure = _measure(chair, standard, "Co-written care plans", designed=[{"member_id": carer.id}],
                           monitors=[{"member_id": nurse.id}])
        for i in range(measurements):
            st.record_measurement(chair, measure, measured_on=date(2026, 1, 1) + timedelta(days=30 * i),
                                  value=40 + i)
        db.session.commit()
        return group.slug, measure.id, standard.id, chair.email, carer.email, nurse.email


def test_pages_forms_and_exports(app):
    slug, measure_id, standard_id, chair_email, carer_email, nurse_email = _setup_group_with_measure(app)
    chair = app.test_client()
    log_in(chair, chair_email)
    page = post_form(chair, f"/assessment/{slug}/standards/new", {"title": "", "agreed_on": "31/31/2026"})
    assert page.status_code == 200 and "Enter the standard." in page.get_data(as_text=True)
    assert "Enter a real date" in page.get_data(as_text=True)
    assert post_form(chair, f"/assessment/{slug}/standards/new", {"title": "Quiet nights"}).status_code == 302
    bad = post_form(chair, f"/assessment/{slug}/standards/{standard_id}/measures/new",
                    {"title": "Noise at night", "target": "loud", "direction": "lower"})
    assert bad.status_code == 200 and "Enter a number" in bad.get_data(as_text=True)
    good = post_form(chair, f"/assessment/{slug}/standards/{standard_id}/measures/new",
                     {"title": "Noise at night", "target": "3", "direction": "lower"})
    assert good.status_code == 302
    measure_page = f"/assessment/{slug}/measures/{measure_id}"
    named = post_form(chair, f"/assessment/{slug}/measures/{measure_id}/people",
                      {"person-part": "monitors", "person-name": "Pat Visitor", "person-stakeholder_type": "carer"},
                      page=measure_page)
    assert named.status_code == 302
    refused = post_form(chair, f"/assessment/{slug}/measures/{measure_id}/people",
                        {"person-part": "monitors", "person-name": "Nobody"}, page=measure_page)
    assert refused.status_code == 200 and "Choose which best describes" in refused.get_data(as_text=True)
    nurse = app.test_client()
    log_in(nurse, nurse_email)
    saved = post_form(nurse, measure_page, {"reading-measured_on": "2026-03-01", "reading-value": "64"})
    assert saved.status_code == 302
    html = nurse.get(measure_page).get_data(as_text=True)
    assert 'id="progress-table"' in html and "<svg" in html and "64" in html and "Pat Visitor" in html
    carer = app.test_client()
    log_in(carer, carer_email)
    # A member who does not monitor it sees the progress but cannot enter a measurement.
    assert "Enter a measurement" not in carer.get(measure_page).get_data(as_text=True)
    assert post_form(carer, measure_page, {"reading-measured_on": "2026-03-01", "reading-value": "1"},
                     page=f"/assessment/{slug}/standards").status_code == 403
    listing = carer.get(f"/assessment/{slug}/standards").get_data(as_text=True)
    assert "Designed with patients or carers" in listing and "50%" in listing  # Noise at night: nobody named
    rows = list(csv.reader(io.StringIO(carer.get(f"/assessment/{slug}/standards.csv").get_data(as_text=True))))
    assert rows[0][:2] == ["Standard", "Measure"]
    assert ["Designed with patients or carers", "1", "50%"] in rows  # Noise at night has nobody named yet
    sheet = load_workbook(io.BytesIO(carer.get(f"/assessment/{slug}/standards.xlsx").data)).active
    assert any(r[0].value == "Monitored with patients or carers" for r in sheet.iter_rows())


def test_named_members_are_in_their_data_and_unnamed_after_erasure(app):
    with app.app_context():
        group, chair, (carer,), _ = make_team(["carer"])
        standard = st.add_standard(chair, group, title="Care plans")
        measure = _measure(chair, standard, "Co-written care plans", designed=[{"member_id": carer.id}])
        db.session.commit()
        exported = data_rights.export_member_data(carer)["agreed_standards"]
        assert exported == [{"group": group.name, "standard": "Care plans", "measure": "Co-written care plans",
                             "part": "Designed the measure", "as": "carer"}]
        data_rights.erase_member(carer)
        db.session.commit()
        row = db.session.scalar(select(MeasurePerson).where(MeasurePerson.measure_id == measure.id))
        assert row.member_id is None and row.stakeholder_type == "carer" and row.display_name == "A former member"
        assert st.report(group).designed_with.shown == 1  # still counted, no longer named


def test_standards_and_measure_pages_query_budget(app):
    slug, measure_id, *_ , chair_email, _carer, _nurse = _setup_group_with_measure(app, measurements=1)
    client = app.test_client()
    log_in(client, chair_email)
    _, list_small = queries_for(app, client, f"/assessment/{slug}/standards")
    _, measure_small = queries_for(app, client, f"/assessment/{slug}/measures/{measure_id}")
    with app.app_context():
        from copractice.meetings.models import Group
        from copractice.members.models import Member
        group = db.session.scalar(select(Group).where(Group.slug == slug))
        chair = db.session.scalar(select(Member).where(Member.email == chair_email))
        measure = st.measure_of(group, measure_id)
        for i in range(6):
            st.record_measurement(chair, measure, measured_on=date(2025, 1, 1) + timedelta(days=i), value=i)
        for s in range(3):
            standard = st.add_standard(chair, group, title=f"Standard {s}")
            for m in range(3):
                _measure(chair, standard, f"Measure {s}-{m}", designed=[{"name": "Pat", "stakeholder_type": "carer"}])
        db.session.commit()
    status, list_big = queries_for(app, client, f"/assessment/{slug}/standards")
    assert status == 200 and list_big == list_small and list_big <= 15
    _, measure_big = queries_for(app, client, f"/assessment/{slug}/measures/{measure_id}")
    assert measure_big == measure_small and measure_big <= 15


def test_a_member_is_counted_by_their_stakeholder_type_when_named(app):
    with app.app_context():
        group, chair, (patient,), _ = make_team(["patient"])
        standard = st.add_standard(chair, group, title="Care plans")
        measure = _measure(chair, standard, "A", monitors=[{"member_id": patient.id}])
        assert measure.people[0].stakeholder_type == "patient"
