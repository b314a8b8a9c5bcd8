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
