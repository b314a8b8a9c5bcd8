"""Schema only through migrations: upgrade -> downgrade -> upgrade, models agree, plugin branches apply."""
import os
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from copractice import create_app
from copractice.extensions import NAMING_CONVENTION, db
from tests.conftest import drop_isolated, isolated_database_url, test_settings

CORE_TABLES = {"member", "theme_leadership", "consent_event", "profile_answer", "audit_entry",
               "plugin_state", "outbox_message", "course", "course_audience", "course_facilitator",
               "course_session", "enrolment", "notice", "email_preference", "session_reminder",
               "attendance", "attendance_change", "completion", "certificate",
               "resource", "resource_theme", "resource_audience", "resource_tag", "resource_file",
               "resource_search", "saved_resource", "course_resource", "resource_suggestion", "plugin_setting",
               "plugin_slow_hook"}
CORE_TABLES |= {"low_attendance_reminder"}  # issue 11 point 16
CORE_TABLES |= {"resource_download"}  # issue 12 point 3
CORE_TABLES |= {"job_failure"}  # issue 12 point 2
CORE_TABLES |= {"course_extra"}  # issue 13 point 7
CORE_TABLES |= {"plugin_install"}  # issue 13 point 2
CORE_TABLES |= {"post_search"}  # issue 14 point 2 (search)


@pytest.fixture
def fresh_url(tmp_path_factory):
    url = isolated_database_url(tmp_path_factory, "migrations")
    yield url
    drop_isolated(url)


def make_app(url, **extra):
    return create_app(test_settings(url, 8025, **extra))


def model_tables():
    """Tables of the core and of every installed plugin with models (all imported by create_app)."""
    return set(db.metadata.tables)


def table_names():
    """Tables the models describe (SQLite's FTS5 shadow tables for search are left out)."""
    return {t for t in inspect(db.engine).get_table_names() if not t.startswith(("resource_fts", "post_fts"))} - {"alembic_version"}


def test_upgrade_downgrade_upgrade_on_an_empty_database(fresh_url):
    app = make_app(fresh_url)
    with app.app_context():
        assert table_names() == set()
        upgrade(revision="heads")
        assert table_names() == model_tables() and model_tables() >= CORE_TABLES
        downgrade(revision="base")
        assert table_names() == set()
        upgrade(revision="heads")
        assert table_names() == model_tables()
        db.engine.dispose()


def test_models_and_migrations_agree(fresh_url):
    app = make_app(fresh_url)
    with app.app_context():
        upgrade(revision="heads")
        with db.engine.connect() as connection:
            from copractice.community.search import outside_models  # the library's and the community's

            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_object": outside_models})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == [], f"models differ from migrations; add a revision: {differences}"


def test_naming_convention_names_every_constraint():
    assert set(NAMING_CONVENTION) == {"ix", "uq", "ck", "fk", "pk"}
    for table in db.metadata.tables.values():
        for constraint in table.constraints:
            assert constraint.name, f"unnamed constraint on {table.name}"


def test_plugin_branch_is_applied_by_the_same_upgrade_and_removed_by_downgrade(fresh_url):
    app = make_app(fresh_url, EXTRA_PLUGINS=["sample=tests.plugins.sample_plugin"])
    with app.app_context():
        upgrade(revision="heads")
        assert table_names() == model_tables() | {"sample_note"}
        downgrade(revision="sample@base")
        assert table_names() == model_tables()
        upgrade(revision="heads")
        assert "sample_note" in table_names()
        db.engine.dispose()


def test_db_upgrade_command_defaults_to_every_head(fresh_url, tmp_path):
    """`copractice db upgrade` (as a user types it) applies core and plugin branches."""
    env = dict(os.environ, COPRACTICE_DATABASE_URL=fresh_url, COPRACTICE_ENV="testing",
               COPRACTICE_EXTRA_PLUGINS='["sample=tests.plugins.sample_plugin"]',
               PYTHONPATH=os.getcwd())
    for command in (["-m", "flask", "--app", "copractice", "db", "upgrade"],
                    ["-m", "copractice.cli", "db", "upgrade"]):
        result = subprocess.run([sys.executable, *command], env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
    app = make_app(fresh_url)
    with app.app_context():
        assert table_names() == model_tables() | {"sample_note"}
        db.engine.dispose()


def test_upgrade_keeps_existing_courses(fresh_url):
    """A database with courses from before the attendance revision upgrades with the rule's defaults."""
    app = make_app(fresh_url)
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO course (slug, title, summary, description, theme_slug, level, format, capacity, "
                "places_taken, status, created_at, updated_at) VALUES ('old', 'Old', 's', '', 'cross-cutting', "
                "'introductory', 'online', 5, 0, 'published', '2026-01-01', '2026-01-01')")
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            share, neutral = conn.exec_driver_sql("SELECT completion_share, excused_neutral FROM course").one()
        db.engine.dispose()
    assert (share, bool(neutral)) == (0.75, True)
