"""Theme pages: what each theme offers, who leads it, and what is coming up; and, for its leads, its plugins."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from copractice.courses.models import Course, Session
from copractice.extensions import db
from copractice.members.models import Member, ThemeLeadership
from copractice.permissions import can, permission_required, require
from copractice.plugins import get_plugins
from copractice.timeutil import utcnow
from copractice.web import attempt

bp = Blueprint("themes", __name__)


def _theme_or_404(slug):
    """(theme, switched_off): a theme that is on, or one whose plugin is off for those who manage it; else 404."""
    from copractice.theme_plugins import all_themes

    plugins = get_plugins()
    theme = plugins.themes().get(slug)
    if theme is not None:
        return theme, False
    theme = all_themes(plugins).get(slug) if can(current_user, "theme.manage", slug) else None
    if theme is None:
        abort(404)  # unknown, or its plugin is disabled
    return theme, True


@bp.route("/themes")
@permission_required("site.view")
def index():
    """Every theme the site runs (and, for those who manage them, themes whose plugin is switched off)."""
    from copractice.theme_plugins import all_themes

    plugins = get_plugins()
    on = plugins.themes()
    themes = sorted(on.values(), key=lambda t: (t.slug != "cross-cutting", t.name))
    switched_off = []
    if current_user.is_authenticated:
        switched_off = sorted((t for slug, t in all_themes(plugins).items()
                               if slug not in on and can(current_user, "theme.manage", slug)), key=lambda t: t.name)
    return render_template("themes/index.html", themes=themes, switched_off=switched_off)


@bp.route("/themes/<slug>")
@permission_required("site.view")
def theme(slug):
    """A theme's landing page: its courses, resources, leads and upcoming sessions (a fixed number of queries)."""
    theme, switched_off = _theme_or_404(slug)
    return _theme_page(theme, switched_off=switched_off)


def _theme_page(theme, **extra):
    from copractice.library import operations as library

    slug = theme.slug
    now = utcnow()
    courses = db.session.scalars(select(Course).where(Course.theme_slug == slug, Course.status == "published")
                                 .order_by(Course.title)).all()
    upcoming = db.session.execute(
        select(Session, Course).join(Course, Course.id == Session.course_id)
        .where(Course.theme_slug == slug, Course.status == "published", Session.starts_at > now)
        .order_by(Session.starts_at).limit(8)).all()
    leads = db.session.scalars(select(Member).join(ThemeLeadership, ThemeLeadership.member_id == Member.id)
                               .where(ThemeLeadership.theme_slug == slug, Member.erased_at.is_(None))
                               .order_by(Member.name).options(selectinload(Member.leaderships))).all()
    resources = library.most_used(current_user, slug, limit=6)
    return render_template("themes/theme.html", theme=theme, courses=courses, upcoming=upcoming, leads=leads,
                           resources=resources, **extra)


# -- a theme's plugins, for its leads (issue 13, point 1) ---------------------------------------------------

def _managed_theme(slug):
    """The theme, after checking the current member manages it (403 for a lead of another theme)."""
    from copractice.theme_plugins import all_themes

    plugins = get_plugins()
    theme = plugins.themes().get(slug) or all_themes(plugins).get(slug)
    if theme is None:
        abort(404)
    require("theme.manage", slug)
    return theme


def _theme_plugin(slug, name, action):
    """(theme, ThemePlugin, PluginInfo) for plugin ``name`` of theme ``slug`` once ``action`` is allowed on it."""
    from copractice.theme_plugins import theme_plugin

    theme = _managed_theme(slug)
    found = theme_plugin(get_plugins(), slug, name)
    if found is None:
        abort(404)  # not one of this theme's plugins
    require(action, found)
    return theme, found, get_plugins().infos[name]


@bp.route("/themes/<slug>/plugins")
@permission_required("theme.open_tools")
def plugins(slug):
    """The plugins that provide or extend a theme: status, errors, slow hooks, and what its leads may do."""
    from copractice.theme_plugins import recent_changes, theme_plugin_rows

    theme = _managed_theme(slug)
    rows = theme_plugin_rows(get_plugins(), slug)
    return render_template("themes/plugins.html", theme=theme, rows=rows,
                           changes=recent_changes([row.plugin.name for row in rows]))


@bp.route("/themes/<slug>/plugins/<name>/switch", methods=["GET", "POST"])
@permission_required("theme.open_tools")
def plugin_switch(slug, name):
    """Confirm, then switch one of the theme's plugins on or off: for this theme alone when it adds to the theme,
    for the whole site when it makes the theme (as on Admin -> Plugins)."""
    from copractice.admin import operations
    from copractice.admin.forms import PluginSwitchForm
    from copractice.theme_plugins import switched_for_theme

    theme, found, info = _theme_plugin(slug, name, "plugin.manage")
    registry = get_plugins()
    own = switched_for_theme(found)
    form = PluginSwitchForm()
    choices = ("yes", "no", "site") if own else ("yes", "no")
    if request.method == "POST":
        if not form.validate_on_submit() or form.enabled.data not in choices:
            flash("That request could not be understood. Please try again.", "error")
            return redirect(url_for("themes.plugins", slug=slug))
        reason = f"From the {theme.name} theme's plugins page"
        if own:
            on = {"yes": True, "no": False, "site": None}[form.enabled.data]
            attempt(lambda: operations.set_theme_switch(current_user, registry, name, slug, on, reason=reason),
                    lambda _: f"{name} is now {'switched on' if name in registry.enabled_names(slug) else 'switched off'}"
                              f" for {theme.name} courses.")
        else:
            attempt(lambda: operations.set_plugin_enabled(current_user, registry, name, form.enabled.data == "yes",
                                                          reason=reason),
                    lambda _: f"{name} is now {'switched on' if registry.is_enabled(name) else 'switched off'} "
                              "for everyone.")
        return redirect(url_for("themes.plugins", slug=slug))
    on_here = name in registry.enabled_names(slug if own else None)
    return render_template("themes/plugin_switch.html", theme=theme, info=info, form=form, turn_on=not on_here,
                           own=own, switch=registry.theme_switches(slug).get(name) if own else None,
                           on_for_site=registry.is_enabled(name))


@bp.route("/themes/<slug>/plugins/<name>/settings", methods=["GET", "POST"])
@permission_required("theme.open_tools")
def plugin_settings(slug, name):
    """One of the theme's plugins' settings: the same form as on Admin -> Plugins."""
    from copractice.admin.views import settings_page

    theme, _found, _info = _theme_plugin(slug, name, "plugin.configure")
    return settings_page(name, url_for("themes.plugins", slug=slug), f"Back to the plugins of {theme.name}",
                         url_for("themes.plugin_settings", slug=slug, name=name))


@bp.route("/themes/<slug>/plugins/<name>/preview")
@permission_required("theme.open_tools")
def plugin_preview(slug, name):
    """The theme page as members would see it with this plugin switched on: for this request only, nothing saved."""
    _theme, _found, info = _theme_plugin(slug, name, "plugin.manage")
    registry = get_plugins()
    if not info.loaded:
        flash(f"{name} cannot be previewed: {info.error}", "error")
        return redirect(url_for("themes.plugins", slug=slug))
    already_on = registry.is_enabled(name)
    registry.preview(name)  # this request runs its hooks; the stored switch and other requests are untouched
    theme = registry.themes().get(slug) or _theme  # a theme the plugin provides appears only now
    widgets = [widget for plugin, widget in registry.collect_by_plugin("copractice_dashboard_widgets",
                                                                       member=current_user) if plugin == name]
    return _theme_page(theme, preview=info, already_on=already_on, preview_widgets=widgets)
