"""Co-production self-assessment (issue 16 point 4): rounds, each participant's ratings, results compared by who
rated with small groups hidden, the trend across rounds, exports, the member's data, and query budgets."""
import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from copractice.errors import Refused
from copractice.extensions import db
from copractice.measurement import assessment as sa
from copractice.measurement.assessment_models import AssessmentRating, AssessmentRound
from copractice.meetings.models import Group, GroupMember
from copractice.members import data_rights
from copractice.members.models import Member
from copractice.testing import log_in
from tests.conftest import create_member, post_form
from tests.query_budget import queries_for

_n = iter(range(1, 1_000_000))


def make_team(types=(), theme_slug=None):
    """A group with a chair (a practitioner) and one active member of each stakeholder type in ``types``, plus an
    outsider. Inside an app context; returns (group, chair, members, outsider)."""
    n = next(_n)
    group = Group(slug=f"team-{n}", name=f"Ward team {n}", kind="steering", joining="invite", theme_slug=theme_slug)
    db.session.add(group)
    db.session.flush()
    chair = create_member(name=f"Chair {n}", stakeholder_type="practitioner")
    members = [create_member(name=f"Person {n}-{i}", stakeholder_type=t) for i, t in enumerate(types)]
    db.session.add(GroupMember(group_id=group.id, member_id=chair.id, role="chair", status="active"))
    for m in members:
        db.session.add(GroupMember(group_id=group.id, member_id=m.id, role="member", status="active"))
    outsider = create_member(name=f"Outsider {n}")
    db.session.commit()
    return group, chair, members, outsider


def answers(rating, comment=""):
    return {item.key: (rating, comment) for item in sa.ITEMS}


def test_the_items_are_the_five_principles_and_six_standards_each_with_easy_read_wording():
    assert [i.framework for i in sa.ITEMS].count("principle") == 5
    assert [i.framework for i in sa.ITEMS].count("standard") == 6
    assert {i.title for i in sa.STANDARDS} == {"Inclusive opportunities", "Working together", "Support and learning",
                                                "Communications", "Impact", "Governance"}
    assert all(i.description and i.easy_read and i.easy_read != i.description for i in sa.ITEMS)


def test_only_those_who_run_the_team_open_and_close_rounds_one_at_a_time(app):
    with app.app_context():
        group, chair, (member,), _ = make_team(["carer"], theme_slug="dementia")
        lead = create_member(role="theme_lead", themes=("dementia",))
        other_lead = create_member(role="theme_lead", themes=("social-care",))
        for who in (member, other_lead):
            with pytest.raises(Refused):
                sa.open_round(who, group, "Spring")
        with pytest.raises(Refused, match="name"):
            sa.open_round(chair, group, "  ")
        first = sa.open_round(chair, group, "Spring")
        with pytest.raises(Refused, match="already open"):
            sa.open_round(lead, group, "Summer")
        with pytest.raises(Refused):
            sa.close_round(member, first)
        sa.close_round(lead, first)
        assert not first.is_open
        assert sa.open_round(lead, group, "Summer").is_open


def test_each_member_rates_separately_and_rating_again_replaces(app):
    with app.app_context():
        group, chair, (carer, researcher), outsider = make_team(["carer", "researcher"])
        round_ = sa.open_round(chair, group, "Spring")
        with pytest.raises(Refused, match="members"):
            sa.submit_ratings(outsider, round_, answers(3))
        partial = answers(3)
        partial.pop(sa.STANDARDS[-1].key)
        with pytest.raises(Refused, match="Governance"):
            sa.submit_ratings(carer, round_, partial)
        with pytest.raises(Refused, match="1 to 5"):
            sa.submit_ratings(carer, round_, answers(6))
        assert sa.submit_ratings(carer, round_, answers(2, "We are not asked")) == 11
        sa.submit_ratings(carer, round_, answers(4))
        sa.submit_ratings(researcher, round_, answers(5))
        rows = db.session.scalars(select(AssessmentRating).where(AssessmentRating.round_id == round_.id)).all()
        assert len(rows) == 22
        mine = [r for r in rows if r.member_id == carer.id]
        assert {r.rating for r in mine} == {4} and {r.comment for r in mine} == {""}
        assert {r.stakeholder_type for r in mine} == {"carer"}
        sa.close_round(chair, round_)
        with pytest.raises(Refused, match="closed"):
            sa.submit_ratings(carer, round_, answers(1))


def _rate(round_, people, rating):
    for p in people:
        sa.submit_ratings(p, round_, answers(rating))


def test_results_compare_views_side_by_side_and_hide_means_from_fewer_than_five(app):
    with app.app_context():
        types = ["carer", "patient", "public_contributor", "young_person", "carer"] + ["researcher"] * 5 + [
            "practitioner"] * 3
        group, chair, people, _ = make_team(types)
        public, researchers, practitioners = people[:5], people[5:10], people[10:]
        round_ = sa.open_round(chair, group, "Spring")
        _rate(round_, public, 2)
        _rate(round_, researchers, 4)
        _rate(round_, practitioners, 5)
        found = sa.round_results(round_)
        key = sa.ITEMS[0].key
        assert found.by_item[key]["public"].shown == 2.0
        assert found.by_item[key]["researcher"].shown == 4.0
        practitioners_cell = found.by_item[key]["practitioner"]
        assert practitioners_cell.hidden and str(practitioners_cell) == "fewer than 5"
        assert found.by_item[key]["everyone"].shown == round((2 * 5 + 4 * 5 + 5 * 3) / 13, 1)
        assert found.overall["public"].shown == 2.0 and found.overall["practitioner"].hidden
        assert found.people["public"].shown == 5 and found.people["practitioner"].hidden
        app.config["SUPPRESS_BELOW"] = 3
        try:
            assert sa.round_results(round_).by_item[key]["practitioner"].shown == 5.0
        finally:
            app.config["SUPPRESS_BELOW"] = 5


def test_trend_shows_each_rounds_mean_by_view(app):
    with app.app_context():
        group, chair, people, _ = make_team(["carer"] * 5 + ["researcher"] * 5)
        first = sa.open_round(chair, group, "Spring")
        _rate(first, people[:5], 2)
        _rate(first, people[5:], 3)
        sa.close_round(chair, first)
        second = sa.open_round(chair, group, "Autumn")
        _rate(second, people[:5], 4)
        _rate(second, people[5:7], 5)  # only two researchers this time
        rows = sa.trend(group)
        assert [r.round.title for r in rows] == ["Spring", "Autumn"]
        assert [r.means["public"].shown for r in rows] == [2.0, 4.0]
        assert rows[0].means["researcher"].shown == 3.0 and rows[1].means["researcher"].hidden
        assert rows[1].means["everyone"].shown == round((4 * 5 + 5 * 2) / 7, 1)
        assert rows[0].principles.shown == 2.5 and rows[0].standards.shown == 2.5


def _client_for(app, member):
    client = app.test_client()
    log_in(client, member)
    return client


def test_rating_page_saves_and_results_page_hides_small_groups(app):
    with app.app_context():
        group, chair, people, outsider = make_team(["carer"] * 5 + ["researcher"])
        round_ = sa.open_round(chair, group, "Spring")
        db.session.commit()
        slug, rid = group.slug, round_.id
        carers, researcher = people[:5], people[5]
        emails = [p.email for p in carers]
        researcher_email, chair_email, outsider_email = researcher.email, chair.email, outsider.email
    for email in emails:
        client = _client_for(app, email)
        data = {f"rate_{item.key}": "3" for item in sa.ITEMS}
        data[f"comment_{sa.ITEMS[0].key}"] = "Lovely people"
        response = post_form(client, f"/assessment/{slug}/rounds/{rid}/rate", data)
        assert response.status_code == 302
    client = _client_for(app, researcher_email)
    # Bad input: a missing rating and a value that is not a choice come back beside the fields, never a 500.
    bad = {f"rate_{item.key}": "3" for item in sa.ITEMS[1:]}
    bad[f"rate_{sa.ITEMS[1].key}"] = "9"
    page = post_form(client, f"/assessment/{slug}/rounds/{rid}/rate", bad)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "There is a problem" in html and "Choose a rating from 1 to 5 for Sharing power" in html
    post_form(client, f"/assessment/{slug}/rounds/{rid}/rate", {f"rate_{i.key}": "5" for i in sa.ITEMS})
    html = client.get(f"/assessment/{slug}/rounds/{rid}").get_data(as_text=True)
    assert "3.0" in html and "fewer than 5" in html and "5.0" not in html
    assert "Lovely people" not in html  # comments are for those who run the team
    chair_client = _client_for(app, chair_email)
    assert "Lovely people" in chair_client.get(f"/assessment/{slug}/rounds/{rid}").get_data(as_text=True)
    assert _client_for(app, outsider_email).get(f"/assessment/{slug}/rounds/{rid}").status_code == 403
    team = client.get(f"/assessment/{slug}").get_data(as_text=True)
    assert 'id="trend-table"' in team and "<svg" in team and "Spring" in team


def test_exports_carry_the_same_hidden_cells(app):
    with app.app_context():
        group, chair, people, _ = make_team(["carer"] * 5 + ["researcher"] * 2)
        round_ = sa.open_round(chair, group, "Spring")
        _rate(round_, people[:5], 2)
        _rate(round_, people[5:], 5)
        db.session.commit()
        slug, email = group.slug, people[0].email
    client = _client_for(app, email)
    body = client.get(f"/assessment/{slug}/results.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body)))
    header = rows[0]
    first = next(r for r in rows if r[3] == sa.ITEMS[0].title)
    assert first[header.index("Public members")] == "2.0"
    assert first[header.index("Researchers")] == "fewer than 5"
    assert "5.0" not in body
    response = client.get(f"/assessment/{slug}/results.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    first = next(r for r in values if r[3] == sa.ITEMS[0].title)
    assert first[header.index("Public members")] == 2.0 and first[header.index("Researchers")] == "fewer than 5"


def test_a_members_ratings_are_in_their_data_and_erased_with_the_account(app):
    with app.app_context():
        group, chair, (carer,), _ = make_team(["carer"])
        closed = sa.open_round(chair, group, "Spring")
        sa.submit_ratings(carer, closed, answers(2, "My private view"))
        sa.close_round(chair, closed)
        still_open = sa.open_round(chair, group, "Autumn")
        sa.submit_ratings(carer, still_open, answers(3))
        db.session.commit()
        exported = data_rights.export_member_data(carer)["self_assessment"]
        assert len(exported) == 22 and {r["comment"] for r in exported} == {"My private view", ""}
        data_rights.erase_member(carer)
        db.session.commit()
        left = db.session.scalars(select(AssessmentRating).where(AssessmentRating.member_id == carer.id)).all()
        assert {r.round_id for r in left} == {closed.id} and {r.comment for r in left} == {""}
        assert db.session.get(Member, carer.id).name == data_rights.ERASED_NAME


def test_results_and_team_pages_query_budget_does_not_grow_with_rounds_or_raters(app):
    with app.app_context():
        group, chair, people, _ = make_team(["carer"] * 3 + ["researcher"] * 3)
        first = sa.open_round(chair, group, "One")
        _rate(first, people[:2], 3)
        sa.close_round(chair, first)
        db.session.commit()
        slug, rid, email = group.slug, first.id, chair.email
        people_ids = [p.id for p in people]
    client = _client_for(app, email)
    _, team_small = queries_for(app, client, f"/assessment/{slug}")
    _, results_small = queries_for(app, client, f"/assessment/{slug}/rounds/{rid}")
    with app.app_context():
        group = db.session.get(Group, db.session.scalar(select(Group.id).where(Group.slug == slug)))
        chair = db.session.scalar(select(Member).where(Member.email == email))
        members = [db.session.get(Member, i) for i in people_ids]
        for title in ("Two", "Three", "Four"):
            r = sa.open_round(chair, group, title)
            _rate(r, members, 4)
            sa.close_round(chair, r)
        _rate_closed = db.session.get(AssessmentRound, rid)
        assert _rate_closed is not None
        db.session.commit()
        assert db.session.scalar(select(func.count(AssessmentRating.id))) >= 6 * 11 * 3
    status, team_big = queries_for(app, client, f"/assessment/{slug}")
    assert status == 200 and team_big == team_small
    last = max(r.round.id for r in _trend_rows(app, slug))
    _, results_big = queries_for(app, client, f"/assessment/{slug}/rounds/{last}")
    assert results_big == results_small
    assert results_big <= 15 and team_big <= 15


def _trend_rows(app, slug):
    with app.app_context():
        return sa.trend(db.session.scalar(select(Group).where(Group.slug == slug)))
