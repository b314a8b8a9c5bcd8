"""Primary and Community Health and Social Care: care roles, the partner directory and its gaps."""
import pytest
from copractice_social_care.models import Partner
from copractice_social_care.views import gap_table
from sqlalchemy import select

from copractice.plugin_api import db
from copractice.testing import AuthActions, audit_entries, create_member, post_form


@pytest.fixture
def enabled(enable_plugin):
    enable_plugin("social_care")


@pytest.fixture
def lead(app, make_member, login):
    client = app.test_client()
    login(client, make_member(email="lead@example.org", role="theme_lead", themes=("social-care",)))
    return client


def add_partner(client, **fields):
    data = {"name": "Kent Carers Matter", "county": "kent", "groups": ["unpaid_carers", "young_carers"],
            "status": "active", "website": "", "notes": "", **fields}
    return post_form(client, "/social-care/partners/new", data)


def test_care_role_question(app, client, enabled):
    assert "What is your role in care?" in client.get("/register").get_data(as_text=True)


def test_theme_lead_adds_partners_and_the_directory_filters_by_county_and_group(app, client, lead, enabled):
    assert add_partner(lead).status_code == 302
    add_partner(lead, name="Surrey Minority Ethnic Forum", county="surrey", groups=["ethnic_minorities"])
    add_partner(lead, name="Sussex Rural Links", county="sussex", groups=["rural", "older_people"], status="prospective")
    page = client.get("/social-care/partners?county=kent").get_data(as_text=True)
    assert "Kent Carers Matter" in page and "Surrey Minority" not in page
    page = client.get("/social-care/partners?group=older_people").get_data(as_text=True)
    assert "Sussex Rural Links" in page and "Kent Carers" not in page and "Talking about working together" in page
    with app.app_context():
        assert len(audit_entries("social_care.partner_saved")) == 3


def test_gap_view_counts_active_partners_and_lists_the_gaps(app, client, lead, enabled):
    add_partner(lead)
    add_partner(lead, name="Not yet", county="surrey", groups=["older_people"], status="prospective")
    with app.app_context():
        counts = gap_table()
    assert counts[("kent", "unpaid_carers")] == 1 and counts[("surrey", "older_people")] == 0  # prospective: a gap
    page = client.get("/social-care/partners/gaps").get_data(as_text=True)
    assert "Older people in Surrey" in page and "Unpaid carers in Kent" not in page
    assert f"Gaps ({3 * 10 - 2})" in page


def test_only_the_themes_leads_change_the_directory(app, client, enabled):
    with app.app_context():
        create_member(email="member@example.org")
    AuthActions(client).login("member@example.org")
    assert client.get("/social-care/partners/new").status_code == 403


def test_partner_form_errors_are_clear(app, lead, enabled):
    page = add_partner(lead, name="", website="not a url").get_data(as_text=True)
    assert "There is a problem" in page and "Enter a name." in page and "Enter a full web address" in page
    with app.app_context():
        assert db.session.scalar(select(Partner.id)) is None


# -- settings (issue 13, point 3): the partner categories, set on /admin/plugins/social_care/settings -------

def save_categories(app, text):
    admin = app.test_client()
    with app.app_context():
        email = create_member(role="admin").email
    AuthActions(admin).login(email)
    return post_form(admin, "/admin/plugins/social_care/settings", {"partner_categories": text})


def test_partner_categories_are_set_on_the_settings_page_and_used_everywhere(app, client, lead, enabled):
    assert save_categories(app, "Older people\nFaith groups\n\n").status_code == 302
    form = lead.get("/social-care/partners/new").get_data(as_text=True)
    assert "Faith groups" in form and "Young carers" not in form
    assert add_partner(lead, groups=["faith_groups"]).status_code == 302
    assert add_partner(lead, name="Refused", groups=["young_carers"]).status_code == 200  # no longer a choice
    page = client.get("/social-care/partners?group=faith_groups").get_data(as_text=True)
    assert "Kent Carers Matter" in page and '<option value="faith_groups" selected>Faith groups</option>' in page
    gaps = client.get("/social-care/partners/gaps").get_data(as_text=True)
    assert "Faith groups in Surrey" in gaps and "Faith groups in Kent" not in gaps and "Gaps (5)" in gaps
    with app.app_context():
        assert gap_table() == {(c, g): int((c, g) == ("kent", "faith_groups"))
                               for c in ("kent", "surrey", "sussex") for g in ("older_people", "faith_groups")}


def test_a_partner_keeps_a_category_that_was_taken_off_the_list(app, lead, enabled):
    add_partner(lead, groups=["young_carers"])
    save_categories(app, "Older people")
    with app.app_context():
        partner_id = db.session.scalar(select(Partner.id))
    page = lead.get(f"/social-care/partners/{partner_id}/edit").get_data(as_text=True)
    assert "Young carers" in page
    post_form(lead, f"/social-care/partners/{partner_id}/edit", {"name": "Kent Carers Matter", "county": "kent",
                                                                 "groups": ["young_carers", "older_people"],
                                                                 "status": "active", "website": "", "notes": ""})
    with app.app_context():
        assert sorted(db.session.get(Partner, partner_id).groups) == ["older_people", "young_carers"]


@pytest.mark.parametrize("text, message", [("", "Enter at least one, one on each line"),
                                           ("Rural\nrural", "“rural” is listed twice."),
                                           ("x" * 61, "use 60 characters or fewer")])
def test_wrong_category_lists_are_refused_beside_the_field(app, enabled, text, message):
    response = save_categories(app, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="partner_categories-error"' in page and message in page
