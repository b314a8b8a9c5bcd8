"""A slow plugin hook can't slow every page without bound: timed, logged, recorded, shown and paused."""
import logging

import pytest
from sqlalchemy import delete, select

from copractice.extensions import db
from copractice.plugins import get_plugins
from copractice.slow_hooks import PluginSlowHook, SlowHooks
from tests.conftest import AuthActions, create_member
from tests.plugins import slow_hooks

NAV, WIDGETS = "copractice_nav_items", "copractice_dashboard_widgets"


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["slowpoke=tests.plugins.slow_hooks"], "PLUGIN_SLOW_HOOK_MS": 20, "SLOW_HOOKS_SLEEP": 0.04, "PLUGIN_SLOW_HOOK_STRIKES": 3,
            "PLUGIN_SLOW_HOOK_PAUSE": 300, "PLUGIN_SLOW_RECORD_SECONDS": 60}


class Clock:
    """A monotonic clock the test moves on by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def member(app, runner, clock):
    """A logged-in member's client; the slow plugin is enabled, and nothing has been timed yet."""
    assert runner.invoke(args=["plugins", "enable", "slowpoke"]).exit_code == 0
    client = app.test_client()
    with app.app_context():
        create_member(email="reader@example.org")
        create_member(email="admin@example.org", role="admin")
    AuthActions(client).login("reader@example.org")
    get_plugins(app).slow_hooks = SlowHooks(clock=clock)
    with app.app_context():
        db.session.execute(delete(PluginSlowHook))
        db.session.commit()
    for hook in slow_hooks.CALLS:
        slow_hooks.CALLS[hook] = 0
    return client


def rows(app):
    with app.app_context():
        return db.session.execute(select(PluginSlowHook.plugin, PluginSlowHook.hook, PluginSlowHook.ms,
                                         PluginSlowHook.paused_until).order_by(PluginSlowHook.id)).all()


def test_a_slow_page_hook_is_logged_and_recorded_once_a_minute(app, member, clock, caplog):
    app.config["PLUGIN_SLOW_HOOK_STRIKES"] = 100  # no pause in this test
    with caplog.at_level(logging.WARNING, logger="copractice.slow_hooks"):
        assert "Slow link" in member.get("/courses").get_data(as_text=True)
    assert any("plugin slowpoke took" in r.getMessage() and NAV in r.getMessage() for r in caplog.records)
    recorded = rows(app)
    assert [(r.plugin, r.hook, r.paused_until) for r in recorded] == [("slowpoke", NAV, None)]
    assert recorded[0].ms >= 40

    member.get("/courses")
    member.get("/courses")
    assert len(rows(app)) == 1  # not a write on every page
    clock.now += 61
    member.get("/courses")
    assert len(rows(app)) == 2


def test_the_plugins_page_shows_recent_slow_hooks(app, member, clock):
    member.get("/account")
    admin = app.test_client()
    AuthActions(admin).login("admin@example.org")
    page = admin.get("/admin/plugins").get_data(as_text=True)
    assert "Slow page hooks" in page and "copractice_dashboard_widgets:" in page and f"{NAV}:" in page


def test_a_hook_slow_three_times_in_a_row_is_paused_then_tried_again(app, member, clock):
    for _ in range(3):
        assert "Slow link" in member.get("/courses").get_data(as_text=True)
    assert slow_hooks.CALLS[NAV] == 3
    paused = [r for r in rows(app) if r.paused_until]
    assert [(r.plugin, r.hook) for r in paused] == [("slowpoke", NAV)]

    # Paused: pages come without its link, and quickly, since the hook is not called at all.
    page = member.get("/courses").get_data(as_text=True)
    assert "Slow link" not in page and slow_hooks.CALLS[NAV] == 3
    admin = app.test_client()
    AuthActions(admin).login("admin@example.org")
    assert "Paused until" in admin.get("/admin/plugins").get_data(as_text=True)

    clock.now += 301  # the pause is over
    app.config["SLOW_HOOKS_SLEEP"] = 0
    assert "Slow link" in member.get("/courses").get_data(as_text=True)
    assert slow_hooks.CALLS[NAV] == 4


def test_a_fast_call_ends_the_run_of_slow_ones(app, member, clock):
    # Real sleeps timed by the real clock: a wide gap between slow and fast, so a loaded host that
    # holds up the fast call for a moment doesn't make it slow too.
    app.config["PLUGIN_SLOW_HOOK_MS"] = 250
    for sleep in (0.3, 0.3, 0, 0.3, 0.3):
        app.config["SLOW_HOOKS_SLEEP"] = sleep
        assert "Slow link" in member.get("/courses").get_data(as_text=True)
    assert not any(r.paused_until for r in rows(app))


def test_pausing_one_hook_leaves_the_plugins_other_hooks_running(app, member, clock):
    for _ in range(3):
        member.get("/courses")  # only the nav hook runs on this page
    page = member.get("/account").get_data(as_text=True)
    assert "Slow link" not in page and "Slow widget" in page


def test_recording_does_not_commit_the_requests_work(app, member, clock):
    """The row is written on a connection of its own: kept when the request rolls back, and the
    request's own changes are neither flushed nor committed with it."""
    with app.test_request_context():
        from copractice.members.models import Member

        reader = db.session.scalar(select(Member).where(Member.email == "reader@example.org"))
        reader.name = "Not saved"
        get_plugins().slow_hooks.observe("slowpoke", NAV, 500)
        assert reader in db.session.dirty
        db.session.rollback()
        assert db.session.scalar(select(Member.name).where(Member.email == "reader@example.org")) != "Not saved"
    assert [r.ms for r in rows(app)] == [500]
