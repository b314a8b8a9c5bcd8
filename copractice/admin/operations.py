"""Admin rules: roles, switching accounts off and on, plugins, and the audit log they write."""
from sqlalchemy import func, or_, select

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import ROLES, Member, ThemeLeadership
from copractice.plugin_models import PluginState
from copractice.timeutil import utcnow
from copractice.unitofwork import savepoint


class AdminRuleBroken(Refused):
    """An admin change that would break a rule of the site (the message says which)."""


def _role_state(member):
    return {"role": member.role, "themes": sorted(member.led_themes)}


def _other_active_admins(member):
    return db.session.scalar(
        select(func.count(Member.id)).where(
            Member.role == "admin", Member.active.is_(True), Member.erased_at.is_(None), Member.id != member.id
        )
    )


@savepoint
def change_role(actor, member, role, themes=(), reason=None):
    """Give ``member`` a role; theme leads lead the ``themes`` given (at least one)."""
    if role not in ROLES:
        raise AdminRuleBroken(f"There is no role called {role!r}.")
    themes = sorted(set(themes or ())) if role == "theme_lead" else []
    if role == "theme_lead" and not themes:
        raise AdminRuleBroken("Choose at least one theme for a theme lead.")
    if member.role == "admin" and role != "admin" and not _other_active_admins(member):
        raise AdminRuleBroken("The site needs at least one admin: appoint another admin first.")
    before = _role_state(member)
    member.role = role
    wanted = set(themes)
    for lead in list(member.leaderships):
        if lead.theme_slug not in wanted:
            member.leaderships.remove(lead)
    have = member.led_themes
    for slug in themes:
        if slug not in have:
            member.leaderships.append(ThemeLeadership(theme_slug=slug))
    after = _role_state(member)
    if before != after:
        audit(actor, "member.role_changed", "member", member.id, member.name, before, after, reason)
    return member


@savepoint
def set_active(actor, member, active, reason=None):
    """Switch an account off (it cannot log in, and is logged out) or back on."""
    if member.active == active:
        return member
    if not active and member.role == "admin" and not _other_active_admins(member):
        raise AdminRuleBroken("The site needs at least one active admin.")
    member.active = active
    member.rotate_session_token()
    audit(actor, "member.reactivated" if active else "member.deactivated", "member", member.id, member.name,
          {"active": not active}, {"active": active}, reason)
    return member


def search_members(query="", role=None, stakeholder_type=None, area=None):
    """A select of members (not erased) matching the search and filters, by name."""
    stmt = select(Member).where(Member.erased_at.is_(None))
    query = (query or "").strip()
    if query:
        like = f"%{query.lower()}%"
        stmt = stmt.where(or_(func.lower(Member.name).like(like), Member.email.like(like)))
    if role:
        stmt = stmt.where(Member.role == role)
    if stakeholder_type:
        stmt = stmt.where(Member.stakeholder_type == stakeholder_type)
    if area:
        stmt = stmt.where(Member.area == area)
    return stmt.order_by(func.lower(Member.name), Member.id)


def _switchable_state(plugins, name, turning_on):
    """The stored state of an installed plugin that can be switched (None before its first switch); refuses a
    built-in or unknown plugin, and switching on one that could not be loaded."""
    info = plugins.infos.get(name)
    if info is None or info.builtin:
        raise AdminRuleBroken(f"There is no plugin called {name!r} that can be switched.")
    if turning_on and not info.loaded:
        raise AdminRuleBroken(f"{name} cannot be enabled: {info.error}")
    return db.session.get(PluginState, name)


@savepoint
def set_plugin_enabled(actor, plugins, name, enabled, reason=None):
    """Switch an installed plugin on or off for the whole site (every worker sees it next request).

    The admin Plugins page and a theme's Plugins page both switch through here; ``reason`` says where from.
    """
    state = _switchable_state(plugins, name, enabled)
    before = bool(state and state.enabled)
    if before == enabled:
        return
    if state is None:
        state = PluginState(name=name)
        db.session.add(state)
    state.enabled = enabled
    state.changed_at = utcnow()
    state.changed_by_id = getattr(actor, "id", None)
    audit(actor, "plugin.enabled" if enabled else "plugin.disabled", "plugin", name, name,
          {"enabled": before}, {"enabled": enabled}, reason)
    plugins.forget_enabled()


@savepoint
def set_theme_leads_may_manage(actor, plugins, name, allowed):
    """Let the leads of the themes an installed plugin provides or extends switch it and edit its settings, or not."""
    info = plugins.infos.get(name)
    if info is None or info.builtin:
        raise AdminRuleBroken(f"There is no plugin called {name!r} that theme leads could manage.")
    state = db.session.get(PluginState, name)
    before = bool(state and state.theme_leads_may_manage)
    if before == allowed:
        return
    if state is None:
        state = PluginState(name=name, enabled=False)
        db.session.add(state)
    state.theme_leads_may_manage = allowed
    audit(actor, "plugin.theme_leads_allowed" if allowed else "plugin.theme_leads_refused", "plugin", name, name,
          {"theme_leads_may_manage": before}, {"theme_leads_may_manage": allowed})


@savepoint
def set_theme_switch(actor, plugins, name, slug, on, reason=None):
    """Switch plugin ``name`` on (True) or off (False) for theme ``slug`` alone, or let it follow the site (None).

    For hooks about something of that theme (a course, its sessions, places and marks) the theme's switch wins
    over the site's; everything else follows the site's switch (``set_plugin_enabled``).
    """
    state = _switchable_state(plugins, name, on)
    switches = dict((state.theme_switches if state else None) or {})
    before = switches.get(slug)
    if before == on:
        return
    if state is None:
        state = PluginState(name=name, enabled=False)
        db.session.add(state)
    if on is None:
        switches.pop(slug, None)
    else:
        switches[slug] = bool(on)
    state.theme_switches = switches or None  # a new dict: the JSON column is saved
    state.changed_at = utcnow()
    state.changed_by_id = getattr(actor, "id", None)
    action = {True: "plugin.enabled_for_theme", False: "plugin.disabled_for_theme", None: "plugin.theme_follows_site"}
    audit(actor, action[on], "plugin", name, name, {"theme": slug, "switch": before}, {"theme": slug, "switch": on},
          reason)
    plugins.forget_enabled()
