"""Primary and Community Health and Social Care: care roles, and the groups partners serve on the core's partnership
map (the plugin's own partner list moved there, issue 15 point 5)."""
import pytest
from sqlalchemy import text

from copractice.plugin_api import db
from copractice.testing import AuthActions, create_member, post_form


@pytest.fixture
def enabled(enable_plugin):
    enable_plugin("social_care")


@pytest.fixture
def lead(app, make_member, login):
    client = app.test_client()
    login(client, make_member(email="lead@example.org", role="theme_lead", themes=("social-care",)))
    return client


def add_partner(client, **fields):
    data = {"name": "Kent Carers Matter", "sector": "voluntary", "areas": ["kent"], "themes": ["social-care"],
            "status": "active", "social_care__groups_served": ["unpaid_carers", "young_carers"], **fields}
    return post_form(client, "/partnerships/new", data)


def groups_of(app, name="Kent Carers Matter"):
    """The groups the organisation serves, as the core stores the plugin's field (one key a line)."""
    with app.app_context():
        return db.session.scalar(text("SELECT e.value FROM organisation_extra e JOIN organisation o "
                                      "ON o.id = e.organisation_id WHERE o.name = :name AND e.plugin = 'social_care'"),
                                 {"name": name})


def test_care_role_question(app, client, enabled):
    assert "What is your role in care?" in client.get("/register").get_data(as_text=True)


def test_the_theme_lead_records_the_groups_a_partner_serves_on_the_map(app, lead, enabled):
    form = lead.get("/partnerships/new").get_data(as_text=True)
    assert "Groups they serve" in form and "Primary and Community Health and Social Care" in form
    response = add_partner(lead)
    assert response.status_code == 302
    assert groups_of(app) == "unpaid_carers\nyoung_carers"
    page = lead.get(response.headers["Location"]).get_data(as_text=True)
    assert "Unpaid carers, Young carers" in page


def test_the_old_addresses_lead_to_the_map(client, enabled):
    assert client.get("/social-care/partners").headers["Location"] == "/partnerships/?theme=social-care"
    assert client.get("/social-care/partners/gaps").status_code == 301


def test_members_do_not_see_the_map(app, client, enabled):
    with app.app_context():
        create_member(email="member@example.org")
    AuthActions(client).login("member@example.org")
    assert client.get("/partnerships/new").status_code == 403


# -- settings (issue 13, point 3): the partner categories, set on /admin/plugins/social_care/settings -------

def save_categories(app, text):
    admin = app.test_client()
    with app.app_context():
        email = create_member(role="admin").email
    AuthActions(admin).login(email)
    return post_form(admin, "/admin/plugins/social_care/settings", {"partner_categories": text})


def test_partner_categories_are_set_on_the_settings_page_and_offered_on_the_map(app, lead, enabled):
    assert save_categories(app, "Older people\nFaith groups\n\n").status_code == 302
    form = lead.get("/partnerships/new").get_data(as_text=True)
    assert "Faith groups" in form and "Young carers" not in form
    assert add_partner(lead, social_care__groups_served=["faith_groups"]).status_code == 302
    assert groups_of(app) == "faith_groups"
    refused = add_partner(lead, name="Refused", social_care__groups_served=["young_carers"])  # no longer a choice
    assert refused.status_code == 400 and groups_of(app, "Refused") is None


def test_a_partner_keeps_a_category_that_was_taken_off_the_list(app, lead, enabled):
    add_partner(lead, social_care__groups_served=["young_carers"])
    save_categories(app, "Older people")
    with app.app_context():
        org_id = db.session.scalar(text("SELECT id FROM organisation"))
    page = lead.get(f"/partnerships/{org_id}/edit").get_data(as_text=True)
    assert "Young carers" in page
    response = post_form(lead, f"/partnerships/{org_id}/edit", {
        "name": "Kent Carers Matter", "sector": "voluntary", "areas": ["kent"], "themes": ["social-care"],
        "status": "active", "social_care__groups_served": ["young_carers", "older_people"]})
    assert response.status_code == 302
    assert sorted(groups_of(app).splitlines()) == ["older_people", "young_carers"]


@pytest.mark.parametrize("text, message", [("", "Enter at least one, one on each line"),
                                           ("Rural\nrural", "“rural” is listed twice."),
                                           ("x" * 61, "use 60 characters or fewer")])
def test_wrong_category_lists_are_refused_beside_the_field(app, enabled, text, message):
    response = save_categories(app, text)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="partner_categories-error"' in page and message in page
