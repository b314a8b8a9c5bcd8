"""The plugin manager: hook specs, built-in plugins, entry-point plugins and isolation of failures."""
import importlib
import logging
import re
import time
import traceback
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points

import pluggy
from flask import current_app, g, has_request_context
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from copractice import hookspecs
from copractice.extensions import db
from copractice.slow_hooks import PAGE_HOOKS, SlowHooks, side_transaction

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "copractice"
BUILTIN_PLUGINS = {"core": "copractice.builtin.core"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


class PluginFailure(Exception):
    """A plugin raised inside a hook that enforces a rule; the caller must refuse the action."""

    def __init__(self, plugin, error):
        super().__init__(f"{plugin}: {error}")
        self.plugin = plugin
        self.error = error


@dataclass
class PluginInfo:
    """What the site knows about one plugin, loaded or not."""

    name: str
    version: str = ""
    description: str = ""
    builtin: bool = False
    module: object = None
    error: str | None = None
    hooks: list = field(default_factory=list)
    requires: str = ""  # the core versions it supports, e.g. ">=0.1,<1"
    hookspec_version: int | None = None
    incompatible: bool = False
    extends_themes: tuple = ()  # theme slugs it declares in COPRACTICE_EXTENDS_THEMES (copractice.theme_plugins)

    @property
    def loaded(self):
        return self.module is not None and self.error is None

    @property
    def compatibility(self):
        if self.builtin:
            return "Part of copractice"
        if not self.requires:
            return "Not declared"
        return f"copractice {self.requires}, hooks v{self.hookspec_version}"


def incompatibility(module, core_version):
    """Why a plugin module cannot run on this copractice, or None when it can.

    A plugin declares COPRACTICE_REQUIRES (a version range, like ">=0.1,<1") and
    COPRACTICE_HOOKSPEC_VERSION (the hookspecs.HOOKSPEC_VERSION it was written for).
    """
    requires = getattr(module, "COPRACTICE_REQUIRES", None)
    wanted_hooks = getattr(module, "COPRACTICE_HOOKSPEC_VERSION", None)
    if not requires or wanted_hooks is None:
        return "it does not say which copractice versions it supports (COPRACTICE_REQUIRES and COPRACTICE_HOOKSPEC_VERSION)"
    try:
        supported = SpecifierSet(requires)
    except InvalidSpecifier:
        return f"its COPRACTICE_REQUIRES {requires!r} is not a version range"
    if not supported.contains(core_version, prereleases=True):
        return f"it needs copractice {requires}, and this site runs {core_version}"
    if wanted_hooks != hookspecs.HOOKSPEC_VERSION:
        return (f"it was written for hook-spec version {wanted_hooks}, and this site has version "
                f"{hookspecs.HOOKSPEC_VERSION}")
    return None


class Plugins:
    """The site's plugins, kept in ``app.extensions["copractice"]``."""

    def __init__(self, manager, infos):
        self.manager = manager
        self.infos = infos  # name -> PluginInfo, built-ins first
        self.blueprint_owner = {}  # blueprint name -> plugin name
        self._enabled_cache = None  # (names, when read)
        self.slow_hooks = SlowHooks()  # timing of plugins' page hooks in this process

    # -- enabled state ---------------------------------------------------------------
    def stored_states(self):
        """Return {name: enabled} as stored in the database (empty before the first upgrade)."""
        from copractice.plugin_models import PluginState

        try:
            rows = db.session.execute(select(PluginState.name, PluginState.enabled)).all()
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("plugin_state table is missing; run 'copractice db upgrade'")
            return {}
        return dict(rows)

    def enabled_names(self):
        """Names of plugins whose hooks run: built-ins, and loaded plugins an admin enabled.

        Read from the database, kept for PLUGIN_STATE_TTL seconds in this process (and for the
        rest of the request), so every worker sees a change within that time.
        """
        if has_request_context() and "copractice_enabled" in g:
            return g.copractice_enabled
        ttl = current_app.config.get("PLUGIN_STATE_TTL", 0)
        cached = self._enabled_cache
        if cached is not None and ttl and time.monotonic() - cached[1] < ttl:
            names = cached[0]
        else:
            states = self.stored_states()
            names = frozenset(n for n, info in self.infos.items() if info.loaded and (info.builtin or states.get(n)))
            self._enabled_cache = (names, time.monotonic())
        if has_request_context():
            g.copractice_enabled = names
        return names

    def forget_enabled(self):
        """This process changed a switch: read the states again next time."""
        self._enabled_cache = None
        if has_request_context():
            g.pop("copractice_enabled", None)

    def is_enabled(self, name):
        return name in self.enabled_names()

    def preview(self, name):
        """Run the hooks of loaded plugin ``name`` for the rest of this request only (a theme lead's preview).

        Nothing is stored and this process's cache is left alone: the next request sees the stored switches.
        """
        if not has_request_context() or not self.infos.get(name) or not self.infos[name].loaded:
            raise ValueError(f"{name!r} cannot be previewed here")
        g.copractice_enabled = self.enabled_names() | {name}

    # -- calling hooks -----------------------------------------------------------------
    def _impls(self, hook_name, only_enabled=True):
        caller = getattr(self.manager.hook, hook_name)
        enabled = self.enabled_names() if only_enabled else None
        # pluggy calls the last registered first; keep that order.
        for impl in reversed(caller.get_hookimpls()):
            if enabled is None or impl.plugin_name in enabled:
                yield impl

    def collect(self, hook_name, only_enabled=True, **kwargs):
        """Call a collecting hook on each enabled plugin and join the lists they return.

        A plugin that raises is logged and skipped for this call: a broken widget must not
        take a page down with it.
        """
        kwargs.setdefault("app", current_app._get_current_object())
        results = []
        for impl in self._impls(hook_name, only_enabled):
            try:
                value = self._call_page_hook(impl, hook_name, kwargs)
            except Exception as exc:
                self.record_failure(impl.plugin_name, hook_name, exc)
                continue
            if value:
                results.extend(value)
        return results

    def _call_page_hook(self, impl, hook_name, kwargs):
        """Call one implementation; a plugin's page hook is timed, and skipped while it is paused for slowness."""
        args = {name: kwargs[name] for name in impl.argnames}
        if hook_name not in PAGE_HOOKS or impl.plugin_name in BUILTIN_PLUGINS:
            return impl.function(**args)
        if self.slow_hooks.paused(impl.plugin_name, hook_name):
            return None
        return self.slow_hooks.call(impl.plugin_name, hook_name, impl.function, args)

    def record_failure(self, plugin_name, hook_name, exc):
        """Log a hook's error and keep it as the plugin's last error, for the Plugins page.

        Written through a connection of its own, so the page's transaction is left as it was.
        """
        log.error("plugin %s failed in %s; skipped", plugin_name, hook_name, exc_info=exc)
        if plugin_name in BUILTIN_PLUGINS:
            return
        from copractice.plugin_models import PluginState

        message = f"{hook_name}: {_short_error(exc)}"
        table = PluginState.__table__
        try:
            with side_transaction() as connection:  # never waits long on a lock this very request may hold
                updated = connection.execute(table.update().where(table.c.name == plugin_name)
                                             .values(last_error=message, last_error_at=_utcnow())).rowcount
                if not updated:
                    connection.execute(table.insert().values(name=plugin_name, enabled=False, changed_at=_utcnow(),
                                                             last_error=message, last_error_at=_utcnow()))
        except SQLAlchemyError:
            log.warning("could not record the error of plugin %s", plugin_name)

    def ask(self, hook_name, **kwargs):
        """Call a rule-enforcing hook on each enabled plugin and join the answers.

        Unlike ``collect``, a plugin that raises is not skipped: PluginFailure is raised so the
        caller refuses the action (fail closed) rather than let it through unchecked.
        """
        kwargs.setdefault("app", current_app._get_current_object())
        results = []
        for impl in self._impls(hook_name):
            try:
                value = impl.function(**{name: kwargs[name] for name in impl.argnames})
            except Exception as exc:
                raise PluginFailure(impl.plugin_name, _short_error(exc)) from exc
            if value:
                results.extend(value)
        return results

    def collect_by_plugin(self, hook_name, only_enabled=True, **kwargs):
        """Like ``collect`` but keeps each plugin's results apart: [(plugin_name, item), ...]."""
        kwargs.setdefault("app", current_app._get_current_object())
        results = []
        for impl in self._impls(hook_name, only_enabled):
            try:
                value = self._call_page_hook(impl, hook_name, kwargs)
            except Exception as exc:
                self.record_failure(impl.plugin_name, hook_name, exc)
                continue
            results.extend((impl.plugin_name, item) for item in value or ())
        return results

    def call_each(self, hook_name, only_enabled=True, isolate=True, **kwargs):
        """[(plugin_name, what it returned)] from each plugin's implementation, e.g. a dict of data.

        With ``isolate`` a plugin that raises is logged and left out; without, the error propagates.
        """
        kwargs.setdefault("app", current_app._get_current_object())
        results = []
        for impl in self._impls(hook_name, only_enabled):
            try:
                results.append((impl.plugin_name, impl.function(**{n: kwargs[n] for n in impl.argnames})))
            except Exception:
                if not isolate:
                    raise
                log.exception("plugin %s failed in %s; skipped", impl.plugin_name, hook_name)
        return results

    def collect_from(self, plugin_name, hook_name, **kwargs):
        """Call one plugin's implementation of a collecting hook (e.g. its settings form)."""
        kwargs.setdefault("app", current_app._get_current_object())
        results = []
        for impl in self._impls(hook_name, only_enabled=False):
            if impl.plugin_name == plugin_name:
                results.extend(impl.function(**{name: kwargs[name] for name in impl.argnames}) or ())
        return results

    def themes(self):
        """Every theme enabled plugins provide, by slug."""
        return {theme.slug: theme for theme in self.collect("copractice_themes")}


def _entry_point_info(ep):
    dist = getattr(ep, "dist", None)
    if dist is None:
        return "", ""
    return dist.version or "", dist.metadata.get("Summary", "") or ""


def discover_entry_points(app):
    """Entry points in the ``copractice`` group, plus any named in the EXTRA_PLUGINS setting."""
    found = list(entry_points(group=ENTRY_POINT_GROUP))
    for spec in app.config.get("EXTRA_PLUGINS") or ():
        name, _, value = spec.partition("=")
        found.append(EntryPoint(name=name.strip(), value=value.strip(), group=ENTRY_POINT_GROUP))
    return found


def _utcnow():
    from copractice.timeutil import utcnow

    return utcnow()


def _declared_slugs(value):
    """The theme slugs of a COPRACTICE_EXTENDS_THEMES declaration (a tuple of strings); anything else is ignored."""
    if isinstance(value, str):
        value = (value,)
    try:
        return tuple(dict.fromkeys(slug for slug in value if isinstance(slug, str) and slug))
    except TypeError:
        return ()


def _short_error(exc):
    last = traceback.format_exception_only(type(exc), exc)[-1].strip()
    return last[:500]


def make_plugin_manager(app):
    """Build the plugin manager: specs, built-ins, then every installed plugin that loads cleanly."""
    manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
    manager.add_hookspecs(hookspecs)
    infos = {}

    for name, module_name in BUILTIN_PLUGINS.items():
        module = importlib.import_module(module_name)
        manager.register(module, name=name)
        infos[name] = PluginInfo(name=name, version=app.config.get("VERSION", ""), builtin=True,
                                 module=module, description=(module.__doc__ or "").strip().splitlines()[0])

    for ep in discover_entry_points(app):
        version, description = _entry_point_info(ep)
        info = PluginInfo(name=ep.name, version=version, description=description)
        infos.setdefault(ep.name, info)
        if infos[ep.name] is not info:
            info.error = f"another plugin is already called {ep.name!r}"
            log.error("plugin %s: %s", ep.name, info.error)
            continue
        if not _NAME.match(ep.name):
            info.error = "plugin names use lower-case letters, digits and underscores"
            continue
        try:
            module = ep.load()
            info.requires = str(getattr(module, "COPRACTICE_REQUIRES", "") or "")
            info.hookspec_version = getattr(module, "COPRACTICE_HOOKSPEC_VERSION", None)
            info.extends_themes = _declared_slugs(getattr(module, "COPRACTICE_EXTENDS_THEMES", ()))
            problem = incompatibility(module, app.config.get("VERSION") or "0")
            if problem:
                info.error, info.incompatible = f"{problem[0].upper()}{problem[1:]}.", True
                log.error("plugin %s is not compatible: %s", ep.name, problem)
                continue
            manager.register(module, name=ep.name)
            manager.check_pending()
        except Exception as exc:
            if manager.get_plugin(ep.name) is not None:
                manager.unregister(name=ep.name)
            info.error = _short_error(exc)
            log.error("plugin %s could not be loaded: %s", ep.name, info.error)
            continue
        info.module = module
        if not info.description:
            info.description = ((module.__doc__ or "").strip().splitlines() or [""])[0]

    for info in infos.values():
        if info.loaded:
            info.hooks = sorted(h.name for h in manager.get_hookcallers(info.module) or ())
    return Plugins(manager, infos)


def get_plugins(app=None):
    """The ``Plugins`` of ``app`` (default: the current app)."""
    return (app or current_app).extensions["copractice"]


def configure_alembic(config):
    """Point Alembic at the core's versions and every installed plugin's branch."""
    import os

    core = os.path.join(config.get_main_option("script_location"), "versions")
    extra = get_plugins().collect("copractice_migration_locations", only_enabled=False)
    locations = [core] + [str(path) for path in extra]
    config.set_main_option("version_locations", os.pathsep.join(dict.fromkeys(locations)))
    return config
