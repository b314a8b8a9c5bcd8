"""copractice: co-production training, community of practice and resource library."""
import gc
import os
from importlib.metadata import PackageNotFoundError, version

from flask import Flask

try:
    __version__ = version("copractice")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"


MIGRATIONS_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def create_app(test_config=None):
    """Build the application: config, extensions, plugins, blueprints."""
    from config import config_class

    app = Flask(__name__, instance_relative_config=True)
    settings = config_class((test_config or {}).get("ENV_NAME"))
    app.config.from_object(settings)
    app.config.from_prefixed_env("COPRACTICE")
    if test_config:
        app.config.update(test_config)
    app.config["VERSION"] = __version__
    os.makedirs(app.instance_path, exist_ok=True)
    _database_settings(app)
    if not app.config.get("UPLOAD_FOLDER"):
        app.config["UPLOAD_FOLDER"] = os.path.join(app.instance_path, "uploads")
    settings.validate(app.config)
    _behind_proxies(app)

    from copractice.inputs import init_inputs
    from copractice.unitofwork import init_unit_of_work

    init_unit_of_work(app)  # first after_request registered, so its commit runs after all the others

    init_inputs(app)  # first: its check runs before CSRF, and <int:...> is capped before routes exist
    _init_extensions(app)
    _init_plugins(app)
    _register_blueprints(app)
    from copractice.site import render_error

    app.register_error_handler(500, render_error)  # the request rolled back: nothing it did was saved
    if not app.testing:
        # What building the app made (routes, templates, mappers, plugin modules) lives as long as the process:
        # move it out of the collector's reach, so a full collection walks what requests made, not all of that.
        gc.collect()
        gc.freeze()
    return app


def _database_settings(app):
    url = app.config.get("DATABASE_URL")
    if not url:
        url = "sqlite:///" + os.path.join(app.instance_path, "copractice.sqlite3")
    app.config["SQLALCHEMY_DATABASE_URI"] = url
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    # Always: a pooled connection the database dropped (a restart, say) is replaced before use,
    # instead of failing the request that picks it up. Settings that name other options keep this.
    options["pool_pre_ping"] = True
    if url.startswith("sqlite"):
        # Several threads (and the browser tests' live server) share the file.
        options.setdefault("connect_args", {"timeout": 30})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


def _init_extensions(app):
    from copractice import models  # noqa: F401  (every table registered before migrations look)
    from copractice.extensions import csrf, db, limiter, login_manager, migrate
    from copractice.security import set_security_headers

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app, db)
        from copractice.unitofwork import init_sqlite_savepoints

        with app.app_context():
            init_sqlite_savepoints(db.engine)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    from copractice.plugins import configure_alembic

    if configure_alembic not in migrate.configure_callbacks:
        migrate.configure(configure_alembic)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from copractice.members import auth  # noqa: F401  (registers the user loader)
    login_manager.login_view = "members.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.after_request(set_security_headers)
    from copractice import http_cache

    http_cache.init_app(app)
    from copractice.extensions import cache

    if app.config.get("CACHE_TYPE") in ("RedisCache", "redis") and not app.config.get("CACHE_OPTIONS"):
        # A Redis that stops answering must not hold a worker: give up in half a second (pages are then built).
        app.config["CACHE_OPTIONS"] = {"socket_timeout": 0.5, "socket_connect_timeout": 0.5}
    cache.init_app(app)
    from copractice import kept_pages

    kept_pages.init_app(app)

    from copractice.cli import register_commands

    register_commands(app)
    from copractice.jobs import init_jobs

    init_jobs(app)


def _sqlite_pragmas(app, db):
    from sqlalchemy import event

    with app.app_context():
        @event.listens_for(db.engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()


def _init_plugins(app):
    from copractice.plugins import make_plugin_manager

    app.extensions["copractice"] = make_plugin_manager(app)


def _register_blueprints(app):
    from flask import abort, request

    from copractice import site, themes
    from copractice.admin import views as admin_views
    from copractice.attendance import views as attendance_views
    from copractice.community import mentoring_views
    from copractice.courses import manage as course_manage
    from copractice.courses import views as course_views
    from copractice.library import views as library_views
    from copractice.members import views as member_views
    from copractice.reading import views as reading_views
    from copractice.templating import init_templating

    app.register_blueprint(site.bp)
    app.register_blueprint(member_views.bp)
    app.register_blueprint(admin_views.bp)
    app.register_blueprint(course_views.bp)
    app.register_blueprint(course_manage.bp)
    app.register_blueprint(attendance_views.bp)
    app.register_blueprint(library_views.bp)
    app.register_blueprint(themes.bp)
    app.register_blueprint(mentoring_views.bp)
    app.register_blueprint(reading_views.bp)
    from copractice.community import views as community_views

    app.register_blueprint(community_views.bp)
    from copractice import plugin_install_views

    app.register_blueprint(plugin_install_views.bp)
    from copractice.community import message_views

    app.register_blueprint(message_views.bp)

    from copractice.community import directory_views

    app.register_blueprint(directory_views.bp)

    from copractice.community import watch_views as community_watch_views

    app.register_blueprint(community_watch_views.bp)

    from copractice.community import moderation_views

    app.register_blueprint(moderation_views.bp)

    from copractice.meetings import organisation_views  # issue 15 point 5: the partnership map

    app.register_blueprint(organisation_views.bp)

    from copractice.community import search_views as community_search_views

    app.register_blueprint(community_search_views.bp)
    from copractice.meetings import views as meetings_views

    app.register_blueprint(meetings_views.bp)
    from copractice.meetings import agenda_views

    app.register_blueprint(agenda_views.bp)
    from copractice.involvement import views as involvement_views  # issue 17: involvement

    app.register_blueprint(involvement_views.bp)
    from copractice.involvement import claims_views  # issue 17: claims, finance export, reports

    app.register_blueprint(claims_views.bp)
    from copractice.measurement import impact_views  # issue 16 points 6 and 7: impact, equality monitoring

    app.register_blueprint(impact_views.bp)
    from copractice.measurement import assessment_views  # issue 16 points 4-5: self-assessment, agreed standards

    app.register_blueprint(assessment_views.bp)
    from copractice.measurement import survey_views

    app.register_blueprint(survey_views.bp)
    from copractice.measurement import evaluation_views

    app.register_blueprint(evaluation_views.bp)
    site.register_error_pages(app)
    init_templating(app)

    plugins = app.extensions["copractice"]
    with app.app_context():
        for plugin_name, blueprint in plugins.collect_by_plugin("copractice_blueprints", app=app):
            app.register_blueprint(blueprint)
            plugins.blueprint_owner[blueprint.name] = plugin_name
        from copractice.cli import add_plugin_command

        for plugin_name, command in plugins.collect_by_plugin("copractice_cli_commands", app=app):
            add_plugin_command(app, plugin_name, command)

    @app.before_request
    def _hide_disabled_plugin_pages():
        owner = plugins.blueprint_owner.get(request.blueprint)
        if owner and not plugins.is_enabled(owner):
            abort(404)


def _behind_proxies(app):
    """Trust X-Forwarded-* from TRUSTED_PROXIES proxies (werkzeug's ProxyFix); warn about unsafe settings."""
    trusted = int(app.config.get("TRUSTED_PROXIES") or 0)
    if trusted > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=trusted, x_proto=trusted, x_host=trusted)
    from werkzeug.exceptions import SecurityError

    @app.errorhandler(SecurityError)
    def _untrusted_host(_exc):
        # A Host outside TRUSTED_HOSTS: no URLs can be built for it, so a plain page (no links).
        return app.response_class("Bad request: this site is not served at that address.\n", 400,
                                  mimetype="text/plain")

    if app.config.get("ENV_NAME") == "production":
        from copractice.deploycheck import warn_at_start

        warn_at_start(app)
