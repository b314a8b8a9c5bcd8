"""Attacks on self-assessment rounds and co-agreed standards (issue 16 points 4, 5): another team's round or measure
reached through this team's address, bad ratings and bad measurements, which must be errors and never stored."""
import pytest
from sqlalchemy import func, select

from copractice.extensions import db
from copractice.measurement import assessment as sa
from copractice.measurement import standards as st
from copractice.measurement.assessment_models import AssessmentRating, AssessmentRound
from copractice.measurement.standards_models import Measurement
from tests.conftest import post_form
from tests.test_measurement_selfassessment import _client_for, make_team


@pytest.fixture
def two_teams(app):
    with app.app_context():
        ours, chair, (carer,), _outsider = make_team(["carer"])
        theirs, their_chair, _people, _ = make_team(["carer"])
        our_round = sa.open_round(chair, ours, "Spring")
        their_round = sa.open_round(their_chair, theirs, "Spring")
        their_measure = st.add_measure(their_chair, st.add_standard(their_chair, theirs, title="Plans"), target=80,
                                       title="Plans co-written")
        our_measure = st.add_measure(chair, st.add_standard(chair, ours, title="Plans"), target=80, title="Ours")
        db.session.commit()
        return {"ours": ours.slug, "theirs": theirs.slug, "our_round": our_round.id, "their_round": their_round.id,
                "their_measure": their_measure.id, "our_measure": our_measure.id, "chair": chair.email,
                "carer": carer.email}


def test_another_teams_round_and_measure_are_not_reached_through_our_address(app, two_teams):
    t = two_teams
    chair = _client_for(app, t["chair"])
    ours, their_round, their_measure = t["ours"], t["their_round"], t["their_measure"]
    assert chair.get(f"/assessment/{ours}/rounds/{their_round}").status_code == 404
    assert chair.get(f"/assessment/{ours}/rounds/{their_round}/rate").status_code in (403, 404)
    assert chair.get(f"/assessment/{ours}/measures/{their_measure}").status_code == 404
    rate = {f"rate_{i.key}": "5" for i in sa.ITEMS}
    assert post_form(chair, f"/assessment/{ours}/rounds/{t['our_round']}/rate", rate).status_code == 302
    assert chair.post(f"/assessment/{ours}/rounds/{their_round}/close").status_code in (400, 403, 404)
    # Straight at the other team: this chair is not one of them.
    assert chair.get(f"/assessment/{t['theirs']}/rounds/{their_round}").status_code == 403
    assert chair.get(f"/assessment/{t['theirs']}/rounds/{their_round}/rate").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(AssessmentRating.id))
                                 .where(AssessmentRating.round_id == their_round)) == 0
        assert db.session.get(AssessmentRound, their_round).is_open


@pytest.mark.parametrize("bad", ["0", "6", "-1", "3.5", "1e999", "nan", "", "5\x01"])
def test_a_rating_out_of_range_is_an_error_and_not_stored(app, two_teams, bad):
    t = two_teams
    carer = _client_for(app, t["carer"])
    data = {f"rate_{i.key}": "3" for i in sa.ITEMS}
    data[f"rate_{sa.ITEMS[0].key}"] = bad
    data[f"comment_{sa.ITEMS[1].key}"] = "x" * 20000
    response = post_form(carer, f"/assessment/{t['ours']}/rounds/{t['our_round']}/rate", data)
    assert response.status_code < 500 and response.status_code != 302
    assert "There is a problem" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(AssessmentRating.id))) == 0


@pytest.mark.parametrize("bad", ["1e999", "nan", "inf", "-inf", "1" + "0" * 30, "sNaN", "£1,000", "12abc"])
def test_a_bad_measurement_is_an_error_beside_the_field_and_not_stored(app, two_teams, bad):
    t = two_teams
    chair = _client_for(app, t["chair"])
    response = post_form(chair, f"/assessment/{t['ours']}/measures/{t['our_measure']}",
                         {"reading-measured_on": "2026-11-01", "reading-value": bad, "reading-note": "n"})
    assert response.status_code < 500 and response.status_code != 302
    assert "There is a problem" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Measurement.id))) == 0


def test_a_carer_who_does_not_monitor_cannot_enter_a_measurement(app, two_teams):
    t = two_teams
    carer = _client_for(app, t["carer"])
    response = post_form(carer, f"/assessment/{t['ours']}/measures/{t['our_measure']}",
                         {"reading-measured_on": "2026-11-01", "reading-value": "50"})
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Measurement.id))) == 0


def test_formulas_in_standards_are_neutralised_in_exports(app):
    from io import BytesIO

    from openpyxl import load_workbook

    with app.app_context():
        group, chair, _people, _ = make_team()
        standard = st.add_standard(chair, group, title='=HYPERLINK("http://evil","x")', description="+cmd")
        st.add_measure(chair, standard, title="@SUM(A1)", target=80, unit="-1")
        db.session.commit()
        slug, email = group.slug, chair.email
    client = _client_for(app, email)
    body = client.get(f"/assessment/{slug}/standards.csv").get_data(as_text=True)
    assert "HYPERLINK" in body and "'=HYPERLINK" in body
    for line in body.splitlines():
        for cell in line.split(","):
            assert not cell.strip('"').startswith(("=", "+", "@"))
    book = load_workbook(BytesIO(client.get(f"/assessment/{slug}/standards.xlsx").data))
    cells = [c for row in book.active.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert any("HYPERLINK" in c for c in cells) and not [c for c in cells if c.startswith(("=", "+", "@"))]
