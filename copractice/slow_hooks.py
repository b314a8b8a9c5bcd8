"""Plugins' page hooks are timed: a slow one is logged, recorded for the Plugins page, and paused.

A hook that adds to every page (nav links, stylesheets, account widgets) runs on every request,
so one slow plugin would slow the whole site. Each call of such a hook by a plugin (the core's own
are not timed) is measured. Over ``PLUGIN_SLOW_HOOK_MS`` it is logged as a warning and written to
the ``plugin_slow_hook`` table, at most once per plugin and hook every
``PLUGIN_SLOW_RECORD_SECONDS`` (so recording does not write on every page). After
``PLUGIN_SLOW_HOOK_STRIKES`` slow calls in a row the plugin's hook is paused, in this process, for
``PLUGIN_SLOW_HOOK_PAUSE`` seconds: pages are shown without what it adds, and the pause is
recorded with its end, so the Plugins page says so. When the pause ends the hook is tried again.

Rows are written through a short transaction of their own (``side_transaction``), not the
request's session: a GET request never commits, a failed POST rolls back, and a hook's timing
must not be flushed into, or lost with, the request's own unit of work.
"""
import logging
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Index, String, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db

log = logging.getLogger(__name__)

# Hooks whose results only add to a page: timed, and paused when they keep being slow.
PAUSABLE_HOOKS = frozenset({"copractice_nav_items", "copractice_page_assets", "copractice_dashboard_widgets"})
# Timed and recorded but never paused: leaving companions off a register would make it wrong.
PAGE_HOOKS = PAUSABLE_HOOKS | {"copractice_register_extras"}
KEEP_DAYS = 30  # older rows are deleted when a new one is written


def _utcnow():
    from copractice.timeutil import utcnow

    return utcnow()


class PluginSlowHook(db.Model):
    """One slow call of a plugin's page hook (at most one per plugin and hook a minute), or the start of a pause."""

    __tablename__ = "plugin_slow_hook"
    __table_args__ = (Index("ix_plugin_slow_hook_plugin_at", "plugin", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plugin: Mapped[str] = mapped_column(String(64))
    hook: Mapped[str] = mapped_column(String(64))
    ms: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=_utcnow, index=True)
    # Set when this slow call paused the hook: pages go without it until then.
    paused_until: Mapped[datetime | None]


@contextmanager
def side_transaction():
    """A short transaction on a connection of its own, leaving the request's session as it was.

    On SQLite it waits at most 200 ms for a lock this very request may hold, then gives up.
    """
    with db.engine.begin() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("PRAGMA busy_timeout=200")
        try:
            yield connection
        finally:
            if sqlite:
                connection.exec_driver_sql("PRAGMA busy_timeout=30000")


class SlowHooks:
    """Timing of plugins' page hooks in this process: strikes in a row, pauses and when each was last recorded."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._strikes = {}  # (plugin, hook) -> slow calls in a row
        self._paused = {}  # (plugin, hook) -> clock() when the pause ends
        self._recorded = {}  # (plugin, hook) -> clock() when a row was last written

    def paused(self, plugin, hook):
        """Whether ``plugin``'s ``hook`` is paused now (its pause ends by itself)."""
        ends = self._paused.get((plugin, hook))
        if ends is None:
            return False
        if self.clock() < ends:
            return True
        with self._lock:
            self._paused.pop((plugin, hook), None)
        log.info("plugin %s: %s is tried again after its pause", plugin, hook)
        return False

    def observe(self, plugin, hook, ms):
        """Note how long a call took; log, record and pause as the settings say."""
        config = current_app.config
        limit = config["PLUGIN_SLOW_HOOK_MS"]
        key = (plugin, hook)
        if ms <= limit:
            self._strikes.pop(key, None)
            return
        now = self.clock()
        pause_seconds = 0
        with self._lock:
            strikes = self._strikes[key] = self._strikes.get(key, 0) + 1
            if hook in PAUSABLE_HOOKS and strikes >= config["PLUGIN_SLOW_HOOK_STRIKES"]:
                pause_seconds = config["PLUGIN_SLOW_HOOK_PAUSE"]
                self._paused[key] = now + pause_seconds
                del self._strikes[key]
            last = self._recorded.get(key)
            record = pause_seconds or last is None or now - last >= config["PLUGIN_SLOW_RECORD_SECONDS"]
            if record:
                self._recorded[key] = now
        if pause_seconds:
            log.warning("plugin %s took %d ms in %s, slow %d times in a row (limit %d ms): paused for %d seconds",
                        plugin, ms, hook, strikes, limit, pause_seconds)
        else:
            log.warning("plugin %s took %d ms in %s (limit %d ms)", plugin, ms, hook, limit)
        if record:
            self._record(plugin, hook, ms, pause_seconds)

    @staticmethod
    def _record(plugin, hook, ms, pause_seconds):
        table = PluginSlowHook.__table__
        now = _utcnow()
        try:
            with side_transaction() as connection:
                connection.execute(table.insert().values(
                    plugin=plugin, hook=hook, ms=round(ms), at=now,
                    paused_until=now + timedelta(seconds=pause_seconds) if pause_seconds else None))
                connection.execute(table.delete().where(table.c.at < now - timedelta(days=KEEP_DAYS)))
        except SQLAlchemyError:
            log.warning("could not record the slow hook of plugin %s", plugin)


def recent_slow_hooks(per_plugin=5):
    """{plugin: (latest slow calls, newest first; the end of a pause still running or None)} for the Plugins page."""
    rows = db.session.scalars(select(PluginSlowHook).order_by(PluginSlowHook.id.desc()).limit(200)).all()
    now = _utcnow()
    found = {}
    for row in rows:
        calls, paused_until = found.get(row.plugin, ([], None))
        if len(calls) < per_plugin:
            calls.append(row)
        if row.paused_until and row.paused_until > now and (paused_until is None or row.paused_until > paused_until):
            paused_until = row.paused_until
        found[row.plugin] = (calls, paused_until)
    return found
