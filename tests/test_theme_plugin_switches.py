"""A theme's lead switches a plugin that adds to their theme for that theme alone (issue 13, point 1): its hooks
about the theme's courses (places, registers, reports, certificates) follow the theme's switch, other themes' courses
and the rest of the site follow the site's switch; "as the rest of the site" takes the theme's switch away; every
change is audited; cached pages and ETags change with it."""
import pytest
from sqlalchemy import select

from copractice.admin import operations
from copractice.audit import AuditEntry
from copractice.courses.operations import EnrolmentRefused, enrol
from copractice.extensions import db
from copractice.members.models import Member
from copractice.pieces import plugins_state
from copractice.plugin_models import PluginState
from copractice.plugins import get_plugins
from tests.conftest import AuthActions, create_member, post_form
from tests.factories_courses import create_course

pytest.importorskip("copractice_dementia")


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["cafe_places=tests.plugins.cafe_places"]}


@pytest.fixture
def lead(app, make_member):
    make_member(email="lead@example.org", role="theme_lead", themes=("dementia",))
    with app.app_context():
        db.session.merge(PluginState(name="cafe_places", enabled=False, theme_leads_may_manage=True))
        db.session.commit()
    client = app.test_client()
    assert AuthActions(client).login("lead@example.org").status_code == 302
    return client


def try_enrol(app, theme_slug):
    """A new member asks for a place on a new course of ``theme_slug``: "enrolled" or the refusal's words."""
    with app.test_request_context():
        member, course = create_member(), create_course(theme_slug=theme_slug)
        try:
            return enrol(member, course).status
        except EnrolmentRefused as refused:
            return str(refused)
        finally:
            db.session.rollback()


def widgets(app):
    with app.test_request_context():
        return [w.title for w in get_plugins().collect("copractice_dashboard_widgets", member=None)]


def test_switched_on_for_the_theme_it_runs_for_that_themes_courses_only(app, lead):
    assert try_enrol(app, "dementia") == "enrolled" and try_enrol(app, "cross-cutting") == "enrolled"
    page = lead.get("/themes/dementia/plugins/cafe_places/switch").get_data(as_text=True)
    assert "for Living with Dementia courses?" in page and "Other themes' courses are not changed" in page
    response = post_form(lead, "/themes/dementia/plugins/cafe_places/switch", {"enabled": "yes"})
    assert response.status_code == 302
    assert "Places are for memory café members." in try_enrol(app, "dementia")
    assert try_enrol(app, "cross-cutting") == "enrolled"
    assert widgets(app) == []  # hooks that are about no theme follow the site's switch: still off
    with app.app_context():
        state = db.session.get(PluginState, "cafe_places")
        assert state.enabled is False and state.theme_switches == {"dementia": True}
        entry = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
        assert (entry.action, entry.target_id, entry.before, entry.after) == (
            "plugin.enabled_for_theme", "cafe_places", {"theme": "dementia", "switch": None},
            {"theme": "dementia", "switch": True})
        assert entry.reason == "From the Living with Dementia theme's plugins page"
    listing = lead.get("/themes/dementia/plugins").get_data(as_text=True)
    assert "cafe_places is now switched on for Living with Dementia courses." in listing
    assert "Switched on for Living with Dementia courses<br>Switched off for the rest of the site" in listing


def test_switched_off_for_the_theme_while_on_for_the_site(app, lead):
    with app.app_context():
        admin = create_member(role="admin")
        operations.set_plugin_enabled(admin, get_plugins(), "cafe_places", True)
        db.session.commit()
    assert "memory café" in try_enrol(app, "dementia") and "memory café" in try_enrol(app, "cross-cutting")
    assert post_form(lead, "/themes/dementia/plugins/cafe_places/switch", {"enabled": "no"}).status_code == 302
    assert try_enrol(app, "dementia") == "enrolled"
    assert "memory café" in try_enrol(app, "cross-cutting")
    assert widgets(app) == ["Memory café places"]
    # "Do as the rest of the site does" takes the theme's own switch away.
    page = lead.get("/themes/dementia/plugins/cafe_places/switch").get_data(as_text=True)
    assert "Do as the rest of the site does" in page
    assert post_form(lead, "/themes/dementia/plugins/cafe_places/switch", {"enabled": "site"}).status_code == 302
    assert "memory café" in try_enrol(app, "dementia")
    with app.app_context():
        assert db.session.get(PluginState, "cafe_places").theme_switches is None
        assert db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id.desc())).first() \
            == "plugin.theme_follows_site"


def test_a_certificate_uses_the_wording_of_plugins_on_for_its_theme(app, lead):
    with app.test_request_context():
        dementia, other = create_course(theme_slug="dementia"), create_course(theme_slug="cross-cutting")
        before = get_plugins().call("copractice_certificate_wording", dementia.theme_slug, course=dementia)
        member = db.session.get(Member, create_member().id)
        operations.set_theme_switch(member, get_plugins(), "cafe_places", "dementia", True)
        db.session.commit()
        assert before == "completed the co-production course"  # the core's words
        assert get_plugins().call("copractice_certificate_wording", "dementia", course=dementia) \
            == "has taken part in a memory café course"
        assert get_plugins().call("copractice_certificate_wording", "cross-cutting", course=other) == before


def test_the_switches_are_part_of_every_cache_key(app, lead):
    with app.test_request_context():
        before = plugins_state()
    post_form(lead, "/themes/dementia/plugins/cafe_places/switch", {"enabled": "yes"})
    with app.test_request_context():
        assert plugins_state() != before


def test_a_plugin_that_makes_the_theme_is_still_switched_for_the_whole_site(app, lead):
    with app.app_context():
        db.session.merge(PluginState(name="dementia", enabled=False, theme_leads_may_manage=True))
        db.session.commit()
    page = lead.get("/themes/dementia/plugins/dementia/switch").get_data(as_text=True)
    assert "so it is switched for the whole site" in page and "Do as the rest of the site does" not in page
    assert post_form(lead, "/themes/dementia/plugins/dementia/switch", {"enabled": "site"}).status_code == 302
    with app.app_context():  # "site" means nothing for it: not understood, nothing changed
        assert db.session.get(PluginState, "dementia").enabled is False
    post_form(lead, "/themes/dementia/plugins/dementia/switch", {"enabled": "yes"})
    with app.app_context():
        state = db.session.get(PluginState, "dementia")
        assert state.enabled is True and state.theme_switches is None


def test_the_lead_of_another_theme_cannot_switch_it_for_their_theme(app, lead, make_member):
    make_member(email="other@example.org", role="theme_lead", themes=("social-care",))
    other = app.test_client()
    AuthActions(other).login("other@example.org")
    assert other.get("/themes/dementia/plugins/cafe_places/switch").status_code == 403
    # cafe_places adds to dementia only: it is not one of social care's plugins.
    assert other.get("/themes/social-care/plugins/cafe_places/switch").status_code == 404
