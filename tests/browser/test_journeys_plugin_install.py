"""Installing a plugin from the approved catalogue in a real browser (issue 13, point 2): an admin opens the
catalogue, is told plainly when nothing was chosen, installs a plugin, sees it waiting, and -- once the job has
run (the test runs it, as `copractice worker` would) -- sees it installed. Every page passes axe.

The wheel is built by the test and installed into a throwaway environment, on a database of this test's own.
"""
import re

import pytest
from playwright.sync_api import expect

from copractice.extensions import db
from tests.browser.conftest import check_a11y
from tests.browser.journey import expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member, test_settings
from tests.plugin_wheels import imports_in
from tests.test_plugin_install import (  # noqa: F401
    approved,
    migrated_template,
    run_queued_jobs,
    site_python,
    site_url,
    tables,
    wheels,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def app(site_url, smtp_server, site_python, approved, tmp_path):  # noqa: F811
    """The site with web installs from the approved catalogue switched on."""
    from copractice import create_app

    app = create_app(test_settings(site_url, smtp_server.port, PLUGIN_PYTHON=site_python, JOBS_URL="memory://",
                                   PLUGIN_INSTALL="catalogue", PLUGIN_WHEELS=str(approved("good-1.0.0")),
                                   UPLOAD_FOLDER=str(tmp_path / "uploads")))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_admin_installs_a_plugin_from_the_catalogue_and_follows_its_progress(new_page, live_server, app,
                                                                                 site_python):  # noqa: F811
    with app.app_context():
        create_member(role="admin", name="Ada Admin", email="ada@example.org")
    page = new_page()
    log_in(page, live_server, "ada@example.org")
    nav(page, "Admin")
    page.get_by_role("main").get_by_role("link", name="Plugins").click()
    expect_heading(page, "Plugins")
    page.get_by_role("link", name="Install a plugin from the approved catalogue").click()
    expect_heading(page, "Install a plugin")
    catalogue = page.get_by_role("table", name="The approved catalogue")
    expect(catalogue).to_contain_text("copractice-tiny")
    expect(catalogue).to_contain_text("A tiny plugin for the install tests (1.0.0)")
    check_a11y(page)

    # Nothing chosen: said in the summary and beside the choices.
    page.get_by_role("button", name="Install").click()
    expect(page).to_have_title(re.compile(r"^Error: Install a plugin"))
    expect(page.get_by_role("alert")).to_contain_text("Choose a plugin from the approved catalogue.")
    check_a11y(page)

    page.get_by_label("copractice-tiny 1.0.0").check()
    page.get_by_role("button", name="Install").click()
    expect_banner(page, "copractice-tiny 1.0.0 will be installed in the background.")
    expect_heading(page, "Installing copractice-tiny 1.0.0")
    status = page.locator("[aria-live=polite]")
    expect(status).to_contain_text("Status: Waiting to start.")
    check_a11y(page)

    assert run_queued_jobs(app) == ["install_plugin"]  # what the worker does
    page.get_by_role("link", name="Refresh to see progress").click()
    expect(status).to_contain_text("Status: Installed.")
    expect(status).to_contain_text("The plugin tiny is installed but not switched on")
    expect(page.get_by_role("link", name="Refresh to see progress")).to_have_count(0)
    check_a11y(page)
    assert imports_in(site_python, "copractice_tiny") and "tiny_note" in tables(app)
