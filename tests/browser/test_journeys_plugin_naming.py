"""An admin sees, on the Plugins page, why a plugin that breaks a naming rule was not loaded (issue 13 point 8).

Every page visited passes axe (no serious or critical problems).
"""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_heading, log_in, nav
from tests.conftest import create_member

pytestmark = pytest.mark.browser


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["misnamed=tests.plugins.misnamed_blueprint"]}


def test_admin_sees_which_naming_rule_a_plugin_breaks(new_page, live_server, app):
    with app.app_context():
        create_member(role="admin", name="Ada Admin", email="ada@example.org")
    page = new_page()
    log_in(page, live_server, "ada@example.org")
    nav(page, "Admin")
    page.get_by_role("main").get_by_role("link", name="Plugins").click()
    expect_heading(page, "Plugins")
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name="misnamed", exact=True))
    status = row.get_by_role("cell").nth(5)
    expect(status).to_contain_text("Not loaded, it breaks a naming rule")
    expect(status).to_contain_text("a plugin's blueprints must be named misnamed or misnamed_ and then a word, "
                                   "and its blueprint 'elsewhere' is not.")
    expect(row.get_by_role("link", name="Enable misnamed")).to_have_count(0)  # nothing to switch on
    check_a11y(page)
    assert page.request.get(live_server + "/elsewhere/").status == 404
