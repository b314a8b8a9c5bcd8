"""A plugin whose page hooks take as long as the test says (SLOW_HOOKS_SLEEP seconds), counting its calls."""
import time

from copractice.plugin_api import NavItem, Widget, hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

CALLS = {"copractice_nav_items": 0, "copractice_dashboard_widgets": 0}


@hookimpl
def copractice_nav_items(app, member):
    CALLS["copractice_nav_items"] += 1
    time.sleep(app.config.get("SLOW_HOOKS_SLEEP", 0))
    return [NavItem("Slow link", "site.accessibility", order=60)]


@hookimpl
def copractice_dashboard_widgets(app, member):
    CALLS["copractice_dashboard_widgets"] += 1
    time.sleep(app.config.get("SLOW_HOOKS_SLEEP", 0))
    return [Widget("Slow widget", "A widget that takes its time.", "Read more", "/accessibility")]
