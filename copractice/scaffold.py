"""`copractice plugins new NAME`: write a working plugin distribution to start from.

The naming rule: 2 to 31 lower-case letters and digits, starting with a letter, words joined by single
hyphens or underscores. ``primary-care`` (or ``primary_care``) gives the distribution
``copractice-primary-care``, the package ``copractice_primary_care``, the plugin (entry point) name
``primary_care`` (its tables ``primary_care_*``, its settings and its blueprint), and pages under
``/primary-care``.
"""
import re
from pathlib import Path

NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")
MAX_LENGTH = 31
NAME_RULE = ("A plugin name uses lower-case letters and digits, starts with a letter, and joins words with "
             "a hyphen or an underscore, for example primary-care. It is 2 to 31 characters long.")

FILES = {
    "pyproject.toml": '''[build-system]
requires = ["setuptools>=65"]
build-backend = "setuptools.build_meta"

[project]
name = "{dist}"
version = "0.1.0"
description = "{title}: a copractice theme plugin"
requires-python = ">=3.11"
dependencies = ["copractice>=0.1"]

[project.entry-points.copractice]
{name} = "copractice_{name}"

[tool.setuptools.packages.find]
include = ["copractice_{name}*"]

[tool.setuptools.package-data]
"copractice_{name}" = ["templates/**/*", "static/**/*", "migrations/**/*"]

[tool.pytest.ini_options]
testpaths = ["tests"]
pythonpath = ["."]
# copractice's fixtures (app, client, database, make_member, login, enable_plugin, sent_mail) come from
# its pytest plugin, copractice.testing: installing copractice is enough, this names it to be sure.
addopts = "-p copractice.testing"
# Load this plugin into the test apps before it is pip-installed (ignored once it is installed).
copractice_plugins = ["{name}=copractice_{name}"]
''',
    "README.md": '''# {dist}

{title}: a copractice theme plugin. Install it next to copractice, run `copractice db upgrade`,
then enable it in Admin -> Plugins (or `copractice plugins enable {name}`).

Run its tests with `pytest` in this folder: they use copractice's test fixtures (the pytest plugin
`copractice.testing`), on a temporary SQLite database, or on PostgreSQL when
`COPRACTICE_TEST_DATABASE_URL` is set.
''',
    "copractice_{name}/__init__.py": '''"""{title}: a copractice theme plugin."""
from pathlib import Path

from flask import Blueprint, render_template

from copractice.plugin_api import NavItem, Theme, hookimpl, permission_required

# The copractice versions and hook-spec version this plugin was written for.
COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2

HERE = Path(__file__).parent
THEME = Theme(slug="{slug}", name="{title}", summary="What this theme is about, in one sentence.")

bp = Blueprint("{name}", __name__, url_prefix="/{slug}", template_folder="templates", static_folder="static",
               static_url_path="/static")


@bp.route("/")
@permission_required("site.view")
def index():
    """The plugin's own page."""
    return render_template("{name}/index.html", theme=THEME)


@hookimpl
def copractice_themes(app):
    return [THEME]


@hookimpl
def copractice_blueprints(app):
    return [bp]


@hookimpl
def copractice_nav_items(app, member):
    return [NavItem(THEME.name, "{name}.index", order=60)]


@hookimpl
def copractice_migration_locations(app):
    return [str(HERE / "migrations" / "versions")]
''',
    "copractice_{name}/templates/{name}/index.html": '''{{% extends "base.html" %}}
{{% block title %}}{{{{ theme.name }}}}{{% endblock %}}
{{% block content %}}
<h1>{{{{ theme.name }}}}</h1>
<p class="lede">{{{{ theme.summary }}}}</p>
<p><a href="{{{{ url_for('themes.theme', slug=theme.slug) }}}}">See this theme's courses and resources</a></p>
{{% endblock %}}
''',
    "copractice_{name}/static/{name}.css": "/* Styles for the {title} plugin's pages. */\n",
    "copractice_{name}/migrations/versions/{name}_0001_first_tables.py": '''"""{title}: the plugin's first tables (its own Alembic branch).

Revision ID: {name}_0001
Revises:
Create Date: 2026-01-01
"""
import sqlalchemy as sa
from alembic import op

revision = "{name}_0001"
down_revision = None
branch_labels = ("{name}",)
depends_on = "0001"  # the core's first revision: member exists


def upgrade():
    op.create_table(
        "{name}_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["member.id"], name=op.f("fk_{name}_note_member_id_member"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_{name}_note")),
    )


def downgrade():
    op.drop_table("{name}_note")
''',
    "tests/test_{name}.py": '''"""Tests of the {title} plugin, with copractice's fixtures (copractice.testing):
app, client, database, make_member(role=...), login(client, member), enable_plugin(name) and sent_mail."""
from pathlib import Path

from sqlalchemy import inspect

import copractice_{name} as plugin


def test_it_declares_what_it_supports():
    assert plugin.COPRACTICE_REQUIRES and plugin.COPRACTICE_HOOKSPEC_VERSION == 2


def test_its_page_is_served_once_it_is_enabled(client, enable_plugin):
    assert client.get("/{slug}/").status_code == 404  # installed, not yet enabled
    enable_plugin("{name}")
    page = client.get("/{slug}/")
    assert page.status_code == 200 and "<h1>{title}</h1>" in page.get_data(as_text=True)


def test_signed_in_members_find_it_in_the_menu(client, make_member, login, enable_plugin):
    enable_plugin("{name}")
    login(client, make_member(role="trainee"))
    assert 'href="/{slug}/"' in client.get("/account").get_data(as_text=True)


def test_its_migration_made_its_table(database):
    assert "{name}_note" in inspect(database.engine).get_table_names()


def test_its_migration_branch_is_named_after_it():
    [versions] = plugin.copractice_migration_locations(app=None)
    text = (Path(versions) / "{name}_0001_first_tables.py").read_text()
    assert 'branch_labels = ("{name}",)' in text


def test_it_sends_no_mail_of_its_own(client, enable_plugin, sent_mail):
    enable_plugin("{name}")
    client.get("/{slug}/")
    assert sent_mail.messages == []
''',
}


class ScaffoldError(ValueError):
    """The name or the place is not usable; the message says why."""


def plugin_names(name):
    """The names a plugin called ``name`` goes by, or ScaffoldError saying the naming rule."""
    if not NAME.match(name or "") or not 2 <= len(name) <= MAX_LENGTH:
        raise ScaffoldError(f"“{name}” cannot be a plugin name. {NAME_RULE}")
    plugin = name.replace("-", "_")
    return {"name": plugin, "module": f"copractice_{plugin}", "dist": "copractice-" + plugin.replace("_", "-"),
            "slug": plugin.replace("_", "-"), "title": plugin.replace("_", " ").capitalize()}


def write_plugin(name, directory):
    """Write the plugin distribution ``copractice-<name>`` under ``directory/<plugin name>``; return its path."""
    values = plugin_names(name)
    target = Path(directory) / values["name"]
    if target.exists():
        raise ScaffoldError(f"{target} already exists")
    for relative, template in FILES.items():
        path = target / relative.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values))
    return target
