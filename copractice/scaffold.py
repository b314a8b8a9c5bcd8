"""`copractice plugins new NAME`: write a working plugin distribution to start from."""
import re
from pathlib import Path

NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")

FILES = {
    "pyproject.toml": '''[build-system]
requires = ["setuptools>=65"]
build-backend = "setuptools.build_meta"

[project]
name = "copractice-{dist}"
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
''',
    "README.md": '''# copractice-{dist}

{title}: a copractice theme plugin. Install it next to copractice, run `copractice db upgrade`,
then enable it in Admin -> Plugins (or `copractice plugins enable {name}`).
''',
    "copractice_{name}/__init__.py": '''"""{title}: a copractice theme plugin."""
from pathlib import Path

from flask import Blueprint, render_template

from copractice.plugin_api import NavItem, Theme, hookimpl, permission_required

# The copractice versions and hook-spec version this plugin was written for.
COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 1

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
    "tests/test_{name}.py": '''"""Tests of the {title} plugin."""
from pathlib import Path

import copractice_{name} as plugin


def test_it_declares_what_it_supports():
    assert plugin.COPRACTICE_REQUIRES and plugin.COPRACTICE_HOOKSPEC_VERSION == 1


def test_it_provides_its_theme_and_page():
    assert plugin.copractice_themes(app=None) == [plugin.THEME]
    assert plugin.copractice_blueprints(app=None)[0].name == "{name}"
    template = Path(plugin.__file__).parent / "templates" / "{name}" / "index.html"
    assert template.exists()


def test_its_migration_branch_is_named_after_it():
    [versions] = plugin.copractice_migration_locations(app=None)
    text = (Path(versions) / "{name}_0001_first_tables.py").read_text()
    assert 'branch_labels = ("{name}",)' in text
''',
}


class ScaffoldError(ValueError):
    """The name or the place is not usable; the message says why."""


def write_plugin(name, directory):
    """Write the plugin distribution ``copractice-<name>`` under ``directory/<name>``; return its path."""
    if not NAME.match(name):
        raise ScaffoldError("use lower-case letters, digits and underscores, starting with a letter (2 to 31 characters)")
    target = Path(directory) / name
    if target.exists():
        raise ScaffoldError(f"{target} already exists")
    values = {"name": name, "dist": name.replace("_", "-"), "slug": name.replace("_", "-"),
              "title": name.replace("_", " ").capitalize()}
    for relative, template in FILES.items():
        path = target / relative.format(**values)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values))
    return target
