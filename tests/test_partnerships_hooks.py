"""Plugins' extra organisation fields and the organisation-saved event (issue 15 point 7), with a small plugin."""
import csv
import io

import pytest
from sqlalchemy import select

from copractice.extensions import db
from copractice.meetings.organisation_models import Organisation, OrganisationExtra
from copractice.plugin_models import PluginState
from copractice.testing import post_form
from tests.plugins import organisation_fields_plugin


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["orgfields=tests.plugins.organisation_fields_plugin"]}


@pytest.fixture
def lead(app, make_member, login):
    with app.app_context():
        db.session.add(PluginState(name="orgfields", enabled=True))
        db.session.commit()
    client = app.test_client()
    login(client, make_member(email="lead@example.org", role="theme_lead", themes=("cross-cutting",)))
    organisation_fields_plugin.SAVED.clear()
    return client


def data(**fields):
    return {"name": "Kent Faith Forum", "sector": "community_group", "areas": ["kent"], "themes": ["cross-cutting"],
            "status": "potential", **fields}


def test_plugin_fields_are_asked_checked_stored_per_plugin_shown_and_exported(app, lead):
    form = lead.get("/partnerships/new").get_data(as_text=True)
    assert "Charity number (optional)" in form and 'name="orgfields__reaches"' in form
    assert "A field with a name that is not allowed" not in form
    response = post_form(lead, "/partnerships/new", data(orgfields__charity_number="123456789",
                                                         orgfields__reaches=["carers", "aliens"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="orgfields__charity_number-error"' in page
    assert "Use 8 characters or fewer." in page
    with app.app_context():
        assert db.session.scalar(select(Organisation.id)) is None
    response = post_form(lead, "/partnerships/new", data(orgfields__charity_number="1234567",
                                                         orgfields__faith_based="yes",
                                                         orgfields__reaches=["carers", "young"]))
    assert response.status_code == 302
    with app.app_context():
        stored = dict(db.session.execute(select(OrganisationExtra.name, OrganisationExtra.value)
                                         .where(OrganisationExtra.plugin == "orgfields")).all())
    assert stored == {"charity_number": "1234567", "faith_based": "yes", "reaches": "carers\nyoung"}
    page = lead.get(response.headers["Location"]).get_data(as_text=True)
    assert "Charity number" in page and "1234567" in page and "Carers, Young people" in page
    rows = list(csv.reader(io.StringIO(lead.get("/partnerships/export.csv").get_data(as_text=True))))
    assert "Orgfields: Who they reach (optional)" in rows[0]
    assert rows[1][rows[0].index("Orgfields: Who they reach (optional)")] == "Carers, Young people"


def test_a_disabled_plugins_answers_are_kept_when_the_form_is_saved(app, lead):
    post_form(lead, "/partnerships/new", data(orgfields__charity_number="1234567"))
    with app.app_context():
        org_id = db.session.scalar(select(Organisation.id))
        db.session.get(PluginState, "orgfields").enabled = False
        db.session.commit()
    assert "Charity number" not in lead.get(f"/partnerships/{org_id}/edit").get_data(as_text=True)
    assert post_form(lead, f"/partnerships/{org_id}/edit", data(status="contacted")).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(OrganisationExtra.value)) == "1234567"


def test_a_plugin_whose_fields_raise_is_skipped_and_the_form_still_works(app, lead):
    app.config["ORGANISATION_FIELDS_PLUGIN_RAISES"] = True
    form = lead.get("/partnerships/new").get_data(as_text=True)
    assert "Charity number" not in form and "Name of the organisation" in form
    assert post_form(lead, "/partnerships/new", data()).status_code == 302


def test_organisation_saved_is_told_of_each_save_and_a_crash_is_skipped(app, lead):
    post_form(lead, "/partnerships/new", data())
    with app.app_context():
        org_id = db.session.scalar(select(Organisation.id))
    post_form(lead, f"/partnerships/{org_id}/edit", data(status="active"))
    assert organisation_fields_plugin.SAVED == [("Kent Faith Forum", True, None, "potential"),
                                                ("Kent Faith Forum", False, "potential", "active")]
    app.config["ORGANISATION_SAVED_PLUGIN_RAISES"] = True
    assert post_form(lead, f"/partnerships/{org_id}/edit", data(status="dormant")).status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, org_id).status == "dormant"
