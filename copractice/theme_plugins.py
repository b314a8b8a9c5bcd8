"""A theme's plugins, as its leads see them (issue 13, point 1).

A plugin belongs to a theme when it **provides** it (its ``copractice_themes`` hook returns the theme) or
**extends** it: it declares the slugs of themes it adds to in a module attribute of its entry point,

    COPRACTICE_EXTENDS_THEMES = ("dementia",)

read when the plugin is imported (so even a plugin that is not compatible with this site is listed under
the themes it extends). A plugin that cannot be imported at all belongs to no theme: only Admin -> Plugins
shows it. A lead of the theme may switch such a plugin and edit its settings when an admin has marked it
"theme leads may manage" (``PluginState.theme_leads_may_manage``); the permission rules
(``plugin.manage``, ``plugin.configure``) are given a :class:`ThemePlugin` to decide.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from copractice.extensions import db
from copractice.plugin_models import PluginState

if TYPE_CHECKING:
    from copractice.plugins import PluginInfo, Plugins

STATUS_LABELS = {"enabled": "Switched on", "disabled": "Switched off", "error": "Broken",
                 "incompatible": "Not compatible"}


@dataclass(frozen=True)
class ThemePlugin:
    """A plugin seen from one theme's page: the ``obj`` of the ``plugin.manage`` and ``plugin.configure`` rules."""

    name: str
    theme: str  # the slug of the theme it is seen from
    relation: str  # "provides" or "extends"
    leads_may_manage: bool  # an admin lets this theme's leads switch it and edit its settings


@dataclass
class ThemePluginRow:
    """One line of a theme's Plugins page."""

    plugin: ThemePlugin
    info: PluginInfo
    status: str  # enabled, disabled, error or incompatible
    state: PluginState | None
    slow_calls: list
    paused_until: Any
    has_settings: bool
    # A plugin that adds to the theme: on (True) or off (False) for this theme alone, or None: as for the site.
    theme_switch: bool | None = None
    site_status: str = ""  # its status for the rest of the site

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def site_status_label(self) -> str:
        return STATUS_LABELS[self.site_status or self.status]


def all_themes(plugins: Plugins) -> dict[str, Any]:
    """Every theme a loaded plugin provides, switched on or not, by slug (``Plugins.themes`` has only those on)."""
    return {theme.slug: theme for _name, theme in _installed_themes(plugins)}


def _installed_themes(plugins: Plugins) -> list[tuple[str, Any]]:
    """[(plugin name, theme)] from every loaded plugin, switched on or not (each asked through pluggy on its own)."""
    return [(name, theme) for name, info in plugins.infos.items() if info.loaded
            for theme in plugins.collect_from(name, "copractice_themes")]


def provided_themes(plugins: Plugins) -> dict[str, set[str]]:
    """{plugin name: slugs of the themes it provides} for every loaded plugin that is not part of the core."""
    provided: dict[str, set[str]] = {}
    for name, theme in _installed_themes(plugins):
        if name in plugins.infos and not plugins.infos[name].builtin:
            provided.setdefault(name, set()).add(theme.slug)
    return provided


def status_of(plugins: Plugins, info: PluginInfo, for_theme: str | None = None) -> str:
    """enabled, disabled, error (it could not be loaded) or incompatible (it needs another copractice); for one
    theme's courses when ``for_theme`` is given."""
    if info.incompatible:
        return "incompatible"
    if not info.loaded:
        return "error"
    return "enabled" if info.name in plugins.enabled_names(for_theme) else "disabled"


def switched_for_theme(plugin: ThemePlugin) -> bool:
    """Whether the theme's own switch applies: a plugin that adds to a theme is switched for that theme alone;
    one that makes the theme is the theme, so it is switched for the whole site."""
    return plugin.relation == "extends"


def _leads_may_manage(names) -> dict[str, bool]:
    if not names:
        return {}
    return dict(db.session.execute(select(PluginState.name, PluginState.theme_leads_may_manage)
                                   .where(PluginState.name.in_(list(names)))).all())


def plugins_of_theme(plugins: Plugins, slug: str) -> list[ThemePlugin]:
    """The plugins that provide or extend theme ``slug``, by name (one statement)."""
    provided = provided_themes(plugins)
    related = {}
    for name, info in plugins.infos.items():
        if info.builtin:
            continue
        if slug in provided.get(name, ()):
            related[name] = "provides"
        elif slug in info.extends_themes:
            related[name] = "extends"
    allowed = _leads_may_manage(related)
    return [ThemePlugin(name, slug, relation, bool(allowed.get(name))) for name, relation in sorted(related.items())]


def theme_plugin(plugins: Plugins, slug: str, name: str) -> ThemePlugin | None:
    """Plugin ``name`` seen from theme ``slug``, or None when it neither provides nor extends that theme."""
    return next((found for found in plugins_of_theme(plugins, slug) if found.name == name), None)


def theme_plugin_rows(plugins: Plugins, slug: str) -> list[ThemePluginRow]:
    """What a theme's Plugins page shows of each of its plugins: status, last error, recent slow page hooks."""
    from copractice.slow_hooks import recent_slow_hooks

    found = plugins_of_theme(plugins, slug)
    names = [tp.name for tp in found]
    states = {s.name: s for s in db.session.scalars(select(PluginState).where(PluginState.name.in_(names)))} \
        if names else {}
    slow = recent_slow_hooks() if names else {}
    switches = plugins.theme_switches(slug)
    rows = []
    for tp in found:
        info = plugins.infos[tp.name]
        calls, paused_until = slow.get(tp.name, ([], None))
        own = switched_for_theme(tp)
        rows.append(ThemePluginRow(tp, info, status_of(plugins, info, slug if own else None), states.get(tp.name),
                                   calls, paused_until, info.loaded and "copractice_settings_form" in info.hooks,
                                   theme_switch=switches.get(tp.name) if own else None,
                                   site_status=status_of(plugins, info)))
    return rows


def recent_changes(names, limit: int = 10) -> list:
    """The latest audit entries about these plugins (switches, settings, who may manage them), newest first."""
    from copractice.audit import AuditEntry

    if not names:
        return []
    return db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "plugin",
                                                       AuditEntry.target_id.in_(list(names)))
                              .order_by(AuditEntry.id.desc()).limit(limit)).all()
