"""The partnership map (issue 15 point 5): organisations, consent for named contacts, status history, who may change
what, the gap view (table and chart with the same numbers), exports (point 6), and query budgets (point 8)."""
import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from copractice.errors import Refused
from copractice.extensions import db
from copractice.meetings import organisations
from copractice.meetings.organisation_models import Organisation, OrganisationStatusChange
from copractice.members.models import Member
from copractice.testing import audit_entries, post_form
from tests.query_budget import counted_queries


@pytest.fixture
def lead(app, make_member, login):
    client = app.test_client()
    member = make_member(email="lead@example.org", role="theme_lead", themes=("cross-cutting",))
    login(client, member)
    client.member_id = member.id
    return client


def form_data(**fields):
    data = {"name": "Medway Carers Hub", "sector": "voluntary", "areas": ["medway", "kent"],
            "themes": ["cross-cutting"], "status": "active", "status_since": "", "status_note": "", "website": "",
            "notes": "", "contact_name": "", "contact_email": "", "contact_consent_on": ""}
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def add(client, **fields):
    return post_form(client, "/partnerships/new", form_data(**fields))


def only_org(app, name="Medway Carers Hub"):
    with app.app_context():
        return db.session.scalar(select(Organisation).where(Organisation.name == name))


def make(app, member_id, n=1, **fields):
    """n organisations saved through the service, as ``member_id``."""
    with app.test_request_context():
        actor = db.session.get(Member, member_id)
        for i in range(n):
            values = {"name": f"Org {i}", "sector": "community_group", "areas": ["kent"], "themes": ["cross-cutting"],
                      "status": "active", **fields}
            organisations.save_organisation(actor, None, organisations.OrganisationInput(**values))
        db.session.commit()


def test_a_theme_lead_adds_an_organisation_and_its_history_starts(app, lead):
    response = add(lead, status_note="Met at the carers fair")
    assert response.status_code == 302
    org = only_org(app)
    assert sorted(org.areas) == ["kent", "medway"] and org.themes == ["cross-cutting"] and org.status == "active"
    page = lead.get(response.headers["Location"]).get_data(as_text=True)
    assert "Medway Carers Hub" in page and "Voluntary and community sector" in page and "Met at the carers fair" in page
    with app.app_context():
        assert len(audit_entries("organisation.added")) == 1


def test_status_changes_are_kept_with_their_dates(app, lead):
    add(lead, status="potential", status_since="2026-09-01")
    org = only_org(app)
    post_form(lead, f"/partnerships/{org.id}/edit", form_data(status="contacted", status_since="2026-10-05",
                                                              status_note="Emailed them"))
    post_form(lead, f"/partnerships/{org.id}/edit", form_data(status="contacted", notes="No change of status"))
    post_form(lead, f"/partnerships/{org.id}/edit", form_data(status="active", status_since="2026-11-20"))
    with app.app_context():
        steps = db.session.execute(select(OrganisationStatusChange.status, OrganisationStatusChange.changed_on)
                                   .order_by(OrganisationStatusChange.changed_on)).all()
        assert steps == [("potential", date(2026, 9, 1)), ("contacted", date(2026, 10, 5)),
                         ("active", date(2026, 11, 20))]
        assert db.session.get(Organisation, org.id).status_since == date(2026, 11, 20)
    page = lead.get(f"/partnerships/{org.id}").get_data(as_text=True)
    assert "5 October 2026" in page and "Emailed them" in page and "20 November 2026" in page


def test_a_named_contact_is_kept_only_with_their_consent(app, lead):
    response = add(lead, contact_name="Sam Patel", contact_email="sam@example.org")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page and "Tick to say the contact agreed" in page
    assert only_org(app) is None
    assert add(lead, contact_consent="y", contact_name="Sam Patel", contact_email="sam@example.org",
               contact_consent_on="2026-11-02").status_code == 302
    org = only_org(app)
    assert (org.contact_name, org.contact_email, org.contact_consent_on) == ("Sam Patel", "sam@example.org",
                                                                             date(2026, 11, 2))
    with app.app_context():  # the audit log says there is a contact, never who
        assert "Sam Patel" not in str([(e.before, e.after) for e in audit_entries("organisation.added")])
    # Consent withdrawn: the tick comes off and the name and email go with it.
    post_form(lead, f"/partnerships/{org.id}/edit", form_data(contact_name="", contact_email=""))
    org = only_org(app)
    assert (org.contact_name, org.contact_email, org.contact_consent_on) == (None, None, None)


@pytest.mark.parametrize("fields, field, message", [
    ({"name": ""}, "name", "Enter the name of the organisation"),
    ({"sector": ""}, "sector", "Choose a sector."),
    ({"areas": []}, "areas", "Choose at least one area"),
    ({"themes": []}, "themes", "Choose at least one theme"),
    ({"areas": ["atlantis"]}, "areas", "not a valid choice"),
    ({"website": "not a url"}, "website", "Enter a full web address"),
    ({"status_since": "31/02/2026"}, "status_since", "Enter a real date"),
    ({"status_since": "2999-01-01"}, "status_since", "today or in the past"),
    ({"contact_consent": "y", "contact_email": "nope"}, "contact_email", "Enter an email address"),
])
def test_wrong_answers_are_shown_beside_their_fields(app, lead, fields, field, message):
    response = add(lead, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page
    assert f'id="{field}-error"' in page and message in page
    assert only_org(app) is None


def test_theme_leads_change_only_their_themes_organisations_and_keep_other_themes(app, lead, make_member, login,
                                                                                  enable_plugin):
    enable_plugin("dementia")
    dementia = app.test_client()
    login(dementia, make_member(email="dem@example.org", role="theme_lead", themes=("dementia",)))
    add(lead, themes=["cross-cutting"])
    org = only_org(app)
    assert dementia.get(f"/partnerships/{org.id}/edit").status_code == 403
    assert dementia.get(f"/partnerships/{org.id}").status_code == 200  # leads see the whole map
    with app.test_request_context():
        other = db.session.get(Member, make_member(role="theme_lead", themes=("dementia",)).id)
        with pytest.raises(Refused):
            organisations.save_organisation(other, db.session.get(Organisation, org.id),
                                            organisations.OrganisationInput(name="X", sector="other",
                                                                            areas=["kent"], themes=["dementia"]))
        with pytest.raises(Refused, match="themes you lead"):
            organisations.save_organisation(other, None, organisations.OrganisationInput(
                name="X", sector="other", areas=["kent"], themes=["cross-cutting"]))
    # The Cross-cutting lead adds Dementia too; unticking it later, they cannot take it away from its leads.
    post_form(lead, f"/partnerships/{org.id}/edit", form_data(themes=["cross-cutting", "dementia"]))
    assert only_org(app).themes == ["cross-cutting", "dementia"]
    assert dementia.get(f"/partnerships/{org.id}/edit").status_code == 200
    post_form(lead, f"/partnerships/{org.id}/edit", form_data(themes=["cross-cutting"]))
    assert only_org(app).themes == ["cross-cutting", "dementia"]
    post_form(dementia, f"/partnerships/{org.id}/edit", form_data(themes=["dementia"]))
    assert only_org(app).themes == ["cross-cutting", "dementia"]  # nor can they take Cross-cutting's


def test_staff_only_see_the_map(app, client, make_member, login):
    assert client.get("/partnerships/").status_code == 302  # visitors log in first
    for role in ("trainee", "facilitator"):
        member = app.test_client()
        login(member, make_member(role=role))
        assert member.get("/partnerships/").status_code == 403
        assert member.get("/partnerships/gaps").status_code == 403
        assert member.get("/partnerships/export.csv").status_code == 403


def test_the_list_filters_by_area_theme_status_and_sector(app, lead):
    add(lead)
    add(lead, name="Surrey Youth Forum", areas=["surrey"], status="potential", sector="community_group")
    page = lead.get("/partnerships/?area=surrey").get_data(as_text=True)
    assert "Surrey Youth Forum" in page and "Medway Carers Hub" not in page and "1 organisation found" in page
    page = lead.get("/partnerships/?status=active&sector=voluntary").get_data(as_text=True)
    assert "Medway Carers Hub" in page and "Surrey Youth Forum" not in page
    page = lead.get("/partnerships/?area=<script>&theme=nope").get_data(as_text=True)  # ignored, never an error
    assert "2 organisations found" in page


def test_the_gap_view_counts_active_partners_by_theme_and_area_in_the_table_and_the_chart(app, lead):
    add(lead)  # active in Kent and Medway
    add(lead, name="Kent Two", areas=["kent"])
    add(lead, name="Not yet", areas=["surrey"], status="contacted")
    with app.app_context():
        found = organisations.gaps()
    assert found.counts[("cross-cutting", "kent")] == 2 and found.counts[("cross-cutting", "medway")] == 1
    assert found.counts[("cross-cutting", "surrey")] == 0  # contacted is not yet a partner: a gap
    assert "outside_region" not in found.areas
    page = lead.get("/partnerships/gaps").get_data(as_text=True)
    table = page.split('id="gaps-table"')[1]
    chart = page.split("<svg")[1].split("</svg>")[0]
    for cell, number in (("cross-cutting:kent", 2), ("cross-cutting:medway", 1), ("cross-cutting:surrey", 0)):
        assert f'data-cell="{cell}" data-count="{number}"' in chart
        assert f'data-cell="{cell}">{number if number else "<strong>0</strong>"}' in table
    assert 'role="img"' in chart and "The same numbers are in the table" in chart
    assert "Cross-cutting in Surrey" in page  # the list of gaps
    assert f"{len(found.counts) - 2} gaps out of {len(found.counts)}" in page


def test_the_map_exports_as_csv_and_xlsx_with_formulas_neutralised(app, lead):
    add(lead, name="=HYPERLINK(\"http://evil\")", notes="+1 call them", contact_consent="y", contact_name="@Sam")
    add(lead, name="Surrey Youth Forum", areas=["surrey"])
    response = lead.get("/partnerships/export.csv?area=medway")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:5] == ["Name", "Sector", "Areas served", "Themes", "Partnership"]
    assert len(rows) == 2 and rows[1][0] == "'=HYPERLINK(\"http://evil\")" and rows[1][2] == "Kent, Medway"
    assert "'+1 call them" in rows[1] and "'@Sam" in rows[1]
    response = lead.get("/partnerships/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 3 and values[1][0] == "'=HYPERLINK(\"http://evil\")" and values[2][0] == "Surrey Youth Forum"
    assert lead.get("/partnerships/export.pdf").status_code == 404


def test_the_map_and_the_gap_view_read_the_same_number_of_statements_for_5_or_60_organisations(app, lead):
    make(app, lead.member_id, 5)
    lead.get("/partnerships/")
    with counted_queries(app) as few_list:
        assert "5 organisations found" in lead.get("/partnerships/").get_data(as_text=True)
    with counted_queries(app) as few_gaps:
        assert lead.get("/partnerships/gaps").status_code == 200
    make(app, lead.member_id, 55, areas=["surrey", "medway"])
    with counted_queries(app) as many_list:
        assert "60 organisations found" in lead.get("/partnerships/").get_data(as_text=True)
    with counted_queries(app) as many_gaps:
        assert lead.get("/partnerships/gaps").status_code == 200
    assert len(many_list) == len(few_list) <= 6, (len(few_list), len(many_list))
    assert len(many_gaps) == len(few_gaps) <= 4, (len(few_gaps), len(many_gaps))


def test_status_dates_cannot_be_in_the_future_in_the_service(app, lead):
    with app.test_request_context():
        actor = db.session.get(Member, lead.member_id)
        with pytest.raises(Refused, match="today or in the past"):
            organisations.save_organisation(actor, None, organisations.OrganisationInput(
                name="X", sector="other", areas=["kent"], themes=["cross-cutting"],
                status_since=organisations.today() + timedelta(days=1)))
