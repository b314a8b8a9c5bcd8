"""Alembic environment: runs migrations against the app's database, in batch mode for SQLite."""
import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name is not None and not current_app.testing:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_ext = current_app.extensions["migrate"]


def include_object(obj, name, type_, reflected, compare_to):
    """Leave out what migrations make outside the models (the text search index), so autogenerate
    does not propose dropping it."""
    from copractice.community.search import outside_models  # the library's, and the community's search

    return outside_models(obj, name, type_, reflected, compare_to)
target_metadata = migrate_ext.db.metadata


def run_migrations_offline():
    """Print SQL instead of running it (``db upgrade --sql``)."""
    context.configure(url=migrate_ext.db.engine.url.render_as_string(hide_password=False),
                      target_metadata=target_metadata, literal_binds=True, **migrate_ext.configure_args)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def skip_empty_autogenerate(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    options = dict(migrate_ext.configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    options.setdefault("include_object", include_object)
    given = config.attributes.get("connection")
    if given is not None:  # a caller's connection, already in the transaction it will commit or roll back
        # (copractice.plugin_install: a plugin's install migrates in one transaction)
        context.configure(connection=given, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    with migrate_ext.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
