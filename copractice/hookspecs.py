"""Every hook copractice calls. Plugins implement them with ``copractice.plugin_api.hookimpl``.

Hooks take keyword arguments only and always receive ``app``. Collecting hooks return a
list (or None) and the results of every enabled plugin are joined; a plugin whose
collecting hook raises is logged and skipped for that call. docs/plugin_hooks.md
documents each hook; tests/test_plugin_hooks_docs.py keeps the two in step.
"""
import pluggy

# Bumped when a hook is removed or its arguments change incompatibly.
HOOKSPEC_VERSION = 1

hookspec = pluggy.HookspecMarker("copractice")


@hookspec
def copractice_themes(app):
    """Return a list of ``Theme`` this plugin provides (collecting)."""


@hookspec
def copractice_blueprints(app):
    """Return a list of Flask blueprints to register at start-up (collecting).

    A disabled plugin's blueprints answer 404 until it is enabled again.
    """


@hookspec
def copractice_nav_items(app, member):
    """Return a list of ``NavItem`` for ``member`` (a Member or an anonymous user) (collecting)."""


@hookspec
def copractice_profile_fields(app):
    """Return a list of ``ProfileField`` questions to add to registration and the profile (collecting)."""


@hookspec
def copractice_migration_locations(app):
    """Return a list of directories holding this plugin's Alembic version branch (collecting).

    ``db upgrade`` applies every installed plugin's branch with the core's.
    """


@hookspec
def copractice_course_saved(app, course, created):
    """Called after a course is created (``created`` True) or changed, before the commit (collecting; return ignored)."""


@hookspec
def copractice_enrolment_check(app, member, course):
    """Return a list of reasons ``member`` may not enrol on ``course``; empty or None allows it.

    The first reason is shown to the member. If the hook raises, the enrolment is refused
    (fail closed) and the error logged.
    """


@hookspec
def copractice_enrolment_changed(app, enrolment, old_status, new_status):
    """Called after an enrolment changes state (e.g. None -> "enrolled", "waiting" -> "offered"), before the commit (collecting; return ignored)."""


@hookspec
def copractice_attendance_marked(app, attendance, old_status):
    """Called after a mark is set or changed (``old_status`` None for a first mark), before the commit (collecting; return ignored)."""


@hookspec
def copractice_course_completed(app, completion):
    """Called when a member meets a course's completion rule, before the commit (collecting; return ignored)."""


@hookspec
def copractice_report_columns(app, report):
    """Return a list of ``ReportColumn`` to add to ``report`` ("course" or "member") and its exports (collecting).

    Each column's ``values(member_ids, course)`` is called once per report with every row's member id.
    """


@hookspec
def copractice_resource_types(app):
    """Return a list of ``ResourceType`` this plugin adds to the library, with any extra fields (collecting)."""


@hookspec
def copractice_dashboard_widgets(app, member):
    """Return a list of ``Widget`` to show on ``member``'s account page (collecting; a raising plugin is skipped)."""


@hookspec
def copractice_settings_form(app):
    """Return a list of ``SettingField`` for this plugin's settings form on its admin page (collecting)."""


@hookspec
def copractice_cli_commands(app):
    """Return a list of click commands to add to ``copractice`` (collecting); they refuse to run while the plugin is disabled."""


@hookspec
def copractice_page_assets(app, member):
    """Return a list of ``PageAssets`` (stylesheets and body classes) for every page ``member`` sees (collecting)."""


@hookspec
def copractice_facilitator_check(app, member, course):
    """Return reasons ``member`` may not facilitate ``course``; empty allows it. If the hook raises, the assignment is refused (fail closed)."""


@hookspec
def copractice_register_extras(app, session):
    """Return a list of ``RegisterExtra`` people to list on ``session``'s register (e.g. companions) (collecting)."""


@hookspec
def copractice_member_data(app, member):
    """Return a dict of what this plugin holds about ``member`` for "download my data" (each plugin's dict is kept under its name)."""


@hookspec
def copractice_member_erased(app, member):
    """Called when ``member``'s account is erased, before the commit: erase what this plugin holds about them."""


from typing import TYPE_CHECKING  # noqa: E402  (appended with the hook below: the annotations' names)

if TYPE_CHECKING:
    from flask import Flask

    from copractice.plugin_types import CourseField


@hookspec
def copractice_course_fields(app: "Flask") -> "list[CourseField] | None":
    """Return a list of ``CourseField`` questions to add to the course form (collecting).

    They are shown in a fieldset of the plugin's own, checked like settings, stored per course and plugin
    (kept while the plugin is disabled, shown again when it is enabled), shown on the course page, and
    ``filterable`` choices filter the catalogue.
    """
