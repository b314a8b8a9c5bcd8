"""The plugin manager: built-in and entry-point plugins, checked as they load, and called through pluggy.

pluggy does the calling. Each plugin's hook implementations are wrapped once, as the plugin is
registered, in the policy its hookspec declares (copractice/hookspecs.py): a plugin that raises in a
``SKIP`` hook is logged, recorded for the Plugins page and left out of that call; in a ``REFUSE`` hook
the call raises ``PluginFailure`` and the caller refuses (fails closed). Plugins' page hooks are also
timed there (copractice/slow_hooks.py). A call asks the enabled plugins through a pluggy subset caller,
made once per set of enabled plugins, or every installed plugin where the hookspec says so.
"""
import functools
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
from copractice.kept_pages import as_plugin
from copractice.plugin_naming import naming_problem
from copractice.slow_hooks import PAGE_HOOKS, SlowHooks, side_transaction
from copractice.timeutil import utcnow

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "copractice"
BUILTIN_PLUGINS = {"core": "copractice.builtin.core"}
_NAME = re.compile(r"^[a-z][a-z0-9_]{1,40}$")


class PluginFailure(Exception):
    """A plugin raised inside a hook that fails closed (``REFUSE`` in its hookspec); the caller must refuse the action."""

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
    misnamed: bool = False  # it breaks a naming rule (tables, blueprints, templates, config keys)

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
        self._enabled_cache = None  # ((names, {theme: switches}), when read)
        self.slow_hooks = SlowHooks()  # timing of plugins' page hooks in this process
        self._policies = {name: (getattr(spec, "copractice_on_error", hookspecs.SKIP),
                                 getattr(spec, "copractice_plugins", hookspecs.ENABLED))
                          for name, spec in vars(hookspecs).items() if name.startswith("copractice_")}
        self._installed_hooks = {name for name, (_, asked) in self._policies.items() if asked == hookspecs.INSTALLED}
        self._firstresult = {name for name in self._policies if getattr(manager.hook, name).spec.opts.get("firstresult")}
        self._forget_callers()

    # -- enabled state ---------------------------------------------------------------
    def _stored_rows(self):
        """[(name, enabled, theme switches or None)] as stored (empty before the first upgrade)."""
        table = _plugin_state_table()
        try:
            return db.session.execute(select(table.c.name, table.c.enabled, table.c.theme_switches)).all()
        except SQLAlchemyError:
            db.session.rollback()
            log.warning("plugin_state table is missing; run 'copractice db upgrade'")
            return []

    def stored_states(self):
        """Return {name: enabled} as stored in the database (empty before the first upgrade)."""
        return {name: enabled for name, enabled, _ in self._stored_rows()}

    def _read_states(self):
        """(names switched on for the site, {theme slug: {name: on or off for that theme}}), from one statement."""
        rows = self._stored_rows()
        on = {name for name, enabled, _ in rows if enabled}
        names = frozenset(n for n, info in self.infos.items() if info.loaded and (info.builtin or n in on))
        by_theme = {}
        for name, _enabled, switches in rows:
            info = self.infos.get(name)
            if not (info and info.loaded and not info.builtin and isinstance(switches, dict)):
                continue
            for slug, on in switches.items():
                by_theme.setdefault(slug, {})[name] = bool(on)
        return names, by_theme

    def _states(self):
        """``_read_states()``, kept for PLUGIN_STATE_TTL seconds in this process and for the rest of the request."""
        in_request = has_request_context()
        if in_request:
            states = g.get("copractice_enabled")  # one look-up: this runs for every hook call
            if states is not None:
                return states
        ttl = current_app.config.get("PLUGIN_STATE_TTL", 0)
        cached = self._enabled_cache
        if cached is not None and ttl and time.monotonic() - cached[1] < ttl:
            states = cached[0]
        else:
            states = self._read_states()
            self._enabled_cache = (states, time.monotonic())
        if in_request:
            g.copractice_enabled = states
        return states

    def enabled_names(self, for_theme=None):
        """Names of plugins whose hooks run: built-ins, and loaded plugins an admin enabled.

        ``for_theme``: for a call about something of that theme (a course, its sessions, places and marks), where
        a theme's lead may have switched a plugin on or off for their theme only (``set_theme_switch``).
        Read from the database, kept for PLUGIN_STATE_TTL seconds in this process (and for the
        rest of the request), so every worker sees a change within that time.
        """
        names, by_theme = self._states()
        switches = by_theme.get(for_theme) if for_theme is not None else None
        if not switches:
            return names
        key = (names, for_theme)
        found = self._theme_names.get(key)
        if found is None:
            found = frozenset((names | {n for n, on in switches.items() if on})
                              - {n for n, on in switches.items() if not on})
            if len(self._theme_names) > 64:
                self._theme_names.clear()
            self._theme_names[key] = found
        return found

    def theme_switches(self, slug):
        """{plugin name: True (on) or False (off)} switched for theme ``slug`` alone; a plugin not named follows the site."""
        return dict(self._states()[1].get(slug, {}))

    def state_key(self):
        """What the plugins' switches are, for cache keys and ETags: the site's, then each theme's."""
        names, by_theme = self._states()
        return [sorted(names), sorted((slug, sorted(s.items())) for slug, s in by_theme.items())]

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
        names, by_theme = self._states()
        g.copractice_enabled = (names | {name}, {slug: {n: on for n, on in switches.items() if n != name}
                                                 for slug, switches in by_theme.items()})

    # -- calling hooks: pluggy calls them; this only chooses which plugins and guards each one ---------
    def policy(self, hook_name):
        """(what a raising plugin does: SKIP or REFUSE, which plugins are asked: ENABLED or INSTALLED), from the hookspec."""
        return self._policies.get(hook_name, (hookspecs.SKIP, hookspecs.ENABLED))

    def hook(self, hook_name, for_theme=None):
        """pluggy's caller of ``hook_name`` for the plugins its spec says: the enabled ones (for a theme, when given),
        or every installed one."""
        return self._caller(hook_name, for_theme)[0]

    def _caller(self, hook_name, for_theme=None):
        """(pluggy caller, whether any plugin it asks implements the hook), kept until the enabled plugins change.

        For the enabled plugins it is a pluggy subset caller leaving the others out.
        """
        if hook_name in self._installed_hooks:
            names, callers = None, self._installed_callers
        else:
            names = self.enabled_names(for_theme)
            cached_names, callers = self._callers
            if names is not self._states()[0]:  # a theme's own set: callers of its own
                callers = self._theme_callers.get(names)
                if callers is None:
                    if len(self._theme_callers) > 64:
                        self._theme_callers.clear()
                    callers = self._theme_callers[names] = {}
            elif cached_names is not names:
                if cached_names != names:
                    callers = {}
                self._callers = (names, callers)  # the same set read again: keep its callers, under the new object
        found = callers.get(hook_name)
        if found is None:
            if names is None:
                caller = getattr(self.manager.hook, hook_name)
            else:
                off = [plugin for name, plugin in self.manager.list_name_plugin() if name not in names]
                caller = self.manager.subset_hook_caller(hook_name, remove_plugins=off)
            found = callers[hook_name] = (caller, bool(caller.get_hookimpls()))
        return found

    def call(self, hook_name, for_theme=None, **kwargs):
        """Call a hook through pluggy: each plugin's answer that is not None, or the first one for a firstresult hook.

        ``app`` is passed for you. A plugin that raises is skipped or makes this raise PluginFailure,
        as the hook's spec declares (see copractice/hookspecs.py). ``for_theme``: the call is about something
        of that theme (a course...), so the plugins switched on or off for that theme alone count.
        """
        if hook_name in self._installed_hooks:
            found = self._installed_callers.get(hook_name)
        else:  # the common case, kept to a few look-ups: pages call hooks many times
            cached_names, callers = self._callers
            found = callers.get(hook_name) if cached_names is self.enabled_names(for_theme) else None
        caller, anyone = found or self._caller(hook_name, for_theme)
        if not anyone:  # no plugin to ask: skip pluggy's set-up for nothing
            return None if hook_name in self._firstresult else []
        if "app" not in kwargs:
            kwargs["app"] = current_app._get_current_object()
        return as_plugin(caller, **kwargs)  # whose rows the plugins read and write is not the page's or operation's

    def collect(self, hook_name, for_theme=None, **kwargs):
        """Call a collecting hook and join the lists the plugins return."""
        return [item for answer in self.call(hook_name, for_theme, **kwargs) for item in answer]

    def implementers(self, hook_name, for_theme=None):
        """Names of the plugins a call of ``hook_name`` asks, in the order pluggy calls them."""
        return [impl.plugin_name for impl in reversed(self.hook(hook_name, for_theme).get_hookimpls())
                if not (impl.wrapper or impl.hookwrapper)]

    def call_from(self, plugin_name, hook_name, **kwargs):
        """Call one plugin's implementation of a hook (enabled or not) through pluggy: its answers, as ``call``."""
        caller = self._single.get((plugin_name, hook_name))
        if caller is None:
            others = [plugin for name, plugin in self.manager.list_name_plugin() if name != plugin_name]
            caller = self._single[plugin_name, hook_name] = self.manager.subset_hook_caller(hook_name, others)
        if "app" not in kwargs:
            kwargs["app"] = current_app._get_current_object()
        return as_plugin(caller, **kwargs)

    def collect_from(self, plugin_name, hook_name, **kwargs):
        """One plugin's list from a collecting hook (e.g. its settings form)."""
        return [item for answer in self.call_from(plugin_name, hook_name, **kwargs) for item in answer]

    def collect_by_plugin(self, hook_name, for_theme=None, **kwargs):
        """Like ``collect`` but says whose each item is: [(plugin_name, item), ...]."""
        return [(name, item) for name in self.implementers(hook_name, for_theme)
                for item in self.collect_from(name, hook_name, **kwargs)]

    def record_failure(self, plugin_name, hook_name, exc):
        """Log a hook's error and keep it as the plugin's last error, for the Plugins page.

        Written through a connection of its own, so the page's transaction is left as it was.
        """
        log.error("plugin %s failed in %s", plugin_name, hook_name, exc_info=exc)
        if plugin_name in BUILTIN_PLUGINS:
            return
        message = f"{hook_name}: {_short_error(exc)}"
        table = _plugin_state_table()
        try:
            with side_transaction() as connection:  # never waits long on a lock this very request may hold
                updated = connection.execute(table.update().where(table.c.name == plugin_name)
                                             .values(last_error=message, last_error_at=utcnow())).rowcount
                if not updated:
                    connection.execute(table.insert().values(name=plugin_name, enabled=False, changed_at=utcnow(),
                                                             last_error=message, last_error_at=utcnow()))
        except SQLAlchemyError:
            log.warning("could not record the error of plugin %s", plugin_name)

    def themes(self):
        """Every theme enabled plugins provide, by slug."""
        return {theme.slug: theme for theme in self.collect("copractice_themes")}

    # -- registering: each implementation wrapped once, with its hook's policy --------------------------
    def register(self, name, module):
        """Register ``module`` with pluggy under ``name``, each hook implementation guarded by its hook's policy.

        pluggy registers a stand-in holding the guarded functions (``functools.wraps`` keeps the
        argument names pluggy reads); the plugin's own module is left as it is.
        """
        stand_in = _GuardedPlugin(name, module)
        for attr in dir(module):
            opts = self.manager.parse_hookimpl_opts(module, attr)
            if opts is None:
                continue
            function, hook_name = getattr(module, attr), opts.get("specname") or attr
            if opts.get("wrapper"):
                function = self._guard_wrapper(name, hook_name, function)
            elif not opts.get("hookwrapper"):  # old-style hookwrappers are left as pluggy runs them
                function = self._guard(name, hook_name, function)
            setattr(stand_in, attr, function)
        self.manager.register(stand_in, name=name)
        self._forget_callers()
        return stand_in

    def unregister(self, name):
        """Take a plugin out of every hook (it failed a check while loading)."""
        if self.manager.get_plugin(name) is not None:
            self.manager.unregister(name=name)
        self._forget_callers()

    def _forget_callers(self):
        self._callers = (None, {})  # (enabled names, {hook name: (caller, anyone)}) for the latest enabled set
        self._theme_callers = {}  # a theme's own set of enabled names -> {hook name: (caller, anyone)}
        self._theme_names = {}  # (site's enabled names, theme slug) -> that theme's set
        self._installed_callers = {}  # hook name -> (caller, anyone), for the hooks every installed plugin answers
        self._single = {}  # (plugin name, hook name) -> pluggy caller of that plugin alone

    def _guard(self, plugin_name, hook_name, function):
        policy = self.policy(hook_name)[0]
        record = self.record_failure
        if policy == hookspecs.REFUSE:
            @functools.wraps(function)
            def refusing(*args, **kwargs):
                try:
                    return function(*args, **kwargs)
                except Exception as exc:
                    record(plugin_name, hook_name, exc)
                    raise PluginFailure(plugin_name, _short_error(exc)) from exc

            return refusing
        if hook_name in PAGE_HOOKS and plugin_name not in BUILTIN_PLUGINS:
            return self._timed(plugin_name, hook_name, function)

        @functools.wraps(function)
        def skipping(*args, **kwargs):
            try:
                return function(*args, **kwargs)
            except Exception as exc:
                record(plugin_name, hook_name, exc)
                return None

        return skipping

    def _guard_wrapper(self, plugin_name, hook_name, function):
        """A ``wrapper=True`` implementation under the same policy: if its own code raises, the call goes on
        without it (``SKIP``) or raises PluginFailure (``REFUSE``); what the others answered is left as it was."""
        refuse = self.policy(hook_name)[0] == hookspecs.REFUSE

        def failed(exc):
            self.record_failure(plugin_name, hook_name, exc)
            if refuse:
                raise PluginFailure(plugin_name, _short_error(exc)) from exc

        @functools.wraps(function)
        def guarded(*args, **kwargs):
            wrapper = function(*args, **kwargs)
            try:
                next(wrapper)  # the plugin's code before its yield
            except Exception as exc:  # StopIteration too: a wrapper must yield once
                failed(exc)
                return (yield)
            try:
                answers = yield
            except Exception as exc:  # the call failed below this wrapper: the plugin sees it, as pluggy would show it
                try:
                    wrapper.throw(exc)
                except StopIteration as stop:
                    return stop.value
                raise
            try:
                wrapper.send(answers)
            except StopIteration as stop:
                return stop.value
            except Exception as exc:
                failed(exc)
                return answers
            failed(RuntimeError("a wrapper must yield only once"))
            return answers

        return guarded

    def _timed(self, plugin_name, hook_name, function):
        """A plugin's page hook (slow_hooks.py): timed, left out while paused for slowness, and skipped if it raises."""
        @functools.wraps(function)
        def timed(*args, **kwargs):
            slow = self.slow_hooks  # read at each call: a test may give the site a clock of its own
            if slow.paused(plugin_name, hook_name):
                return None
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            except Exception as exc:
                self.record_failure(plugin_name, hook_name, exc)
                return None
            finally:
                slow.observe(plugin_name, hook_name, (time.perf_counter() - started) * 1000)

        return timed


class _GuardedPlugin:
    """What pluggy registers for a plugin: its hook implementations, each wrapped in its hook's policy."""

    def __init__(self, name, module):
        self.copractice_name = name
        self.copractice_module = module

    def __repr__(self):
        return f"<plugin {self.copractice_name} ({getattr(self.copractice_module, '__name__', '?')})>"


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


def _plugin_state_table():
    """The plugin_state table (the one place this module names where its model lives)."""
    from copractice.plugin_models import PluginState

    return PluginState.__table__


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
    """Build the plugin manager: specs, built-ins, then every installed plugin that loads cleanly and is named by the rules."""
    manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
    manager.add_hookspecs(hookspecs)
    infos = {}
    plugins = Plugins(manager, infos)

    for name, module_name in BUILTIN_PLUGINS.items():
        module = importlib.import_module(module_name)
        plugins.register(name, module)
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
            plugins.register(ep.name, module)
            manager.check_pending()
            with app.app_context():
                problem = naming_problem(ep.name, module, app,
                                         plugins.collect_from(ep.name, "copractice_blueprints", app=app))
        except Exception as exc:
            plugins.unregister(ep.name)
            info.error = _short_error(exc)
            log.error("plugin %s could not be loaded: %s", ep.name, info.error)
            continue
        if problem:
            plugins.unregister(ep.name)
            info.error, info.misnamed = problem, True
            log.error("plugin %s breaks a naming rule: %s", ep.name, problem)
            continue
        for key, value in (getattr(module, "COPRACTICE_CONFIG", None) or {}).items():
            app.config.setdefault(key, value)  # the site's own setting (COPRACTICE_<KEY> in the environment) wins
        info.module = module
        if not info.description:
            info.description = ((module.__doc__ or "").strip().splitlines() or [""])[0]

    for info in infos.values():
        if info.loaded:
            info.hooks = sorted(h.name for h in manager.get_hookcallers(manager.get_plugin(info.name)) or ())
    return plugins


def get_plugins(app=None):
    """The ``Plugins`` of ``app`` (default: the current app)."""
    return (app or current_app).extensions["copractice"]


def configure_alembic(config):
    """Point Alembic at the core's versions and every installed plugin's branch."""
    import os

    core = os.path.join(config.get_main_option("script_location"), "versions")
    extra = get_plugins().collect("copractice_migration_locations")
    locations = [core] + [str(path) for path in extra]
    config.set_main_option("version_locations", os.pathsep.join(dict.fromkeys(locations)))
    return config
