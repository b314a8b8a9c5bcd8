"""Test fixtures for copractice and its plugins: a pytest plugin shipped with the core.

Installed with copractice, it is loaded by pytest through the ``pytest11`` entry point (or name it:
``pytest -p copractice.testing``). Every fixture uses real parts: a real database (a fresh SQLite file,
or a fresh schema on the PostgreSQL named by ``COPRACTICE_TEST_DATABASE_URL``), built once per run
through the migrations of the core and of every plugin; a real SMTP server (aiosmtpd) that receives
the mail the site sends; and the app itself.

Fixtures:

- ``app``: a new app for each test, with every table emptied (override ``app_settings`` to change settings);
- ``client`` (Flask test client), ``runner`` (CLI runner), ``database`` (``db`` inside an app context);
- ``make_member(role="trainee"|"facilitator"|"theme_lead"|"admin", themes=(...), email=..., ...)``:
  a saved, verified member whose password is ``PASSWORD``;
- ``login(client, member)``: log ``client`` in as ``member`` through the real login form, with its CSRF token;
- ``enable_plugin(name)``: switch a plugin on, as ``copractice plugins enable NAME`` does;
- ``sent_mail`` (also called ``mailbox``): the mail the SMTP server received, after a delivery round of the outbox;
- ``auth``: ``auth.login(email)`` / ``auth.logout()`` for the ``client`` fixture.

A plugin that is not pip-installed can still be tested: list it in the pytest settings
(``copractice_plugins = ["primary_care=copractice_primary_care"]`` under ``[tool.pytest.ini_options]``)
and every app the fixtures make loads it, migrations included.

Helpers to import: ``post_form``, ``csrf_from``, ``create_member``, ``create_course``, ``create_resource``,
``set_profile_answer``, ``enrol``, ``audit_entries``, ``PASSWORD``.
"""
from __future__ import annotations

import os
import re
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade as migrate_upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError

from copractice import create_app
from copractice.courses.operations import EnrolmentRefused
from copractice.extensions import db, limiter
from copractice.members.models import Member, ThemeLeadership
from copractice.security import hash_password
from copractice.timeutil import utcnow

__all__ = [
    "PASSWORD", "POSTGRES_URL", "ROLES", "AuthActions", "DeliveredMailbox", "Mailbox", "EnrolmentRefused",
    "audit_entries", "create_course", "create_member", "create_resource", "csrf_from", "drop_isolated",
    "empty_all_tables", "enrol", "free_port", "isolated_database_url", "log_in", "post_form",
    "set_profile_answer", "test_settings",
]

PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("COPRACTICE_TEST_DATABASE_URL")
ROLES = ("trainee", "facilitator", "theme_lead", "admin")


def pytest_addoption(parser):
    parser.addini("copractice_plugins", type="linelist", default=[],
                  help="Plugins to load in every test app without installing them: NAME=module, one a line.")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# -- databases ---------------------------------------------------------------------------------

def isolated_database_url(tmp_path_factory, name):
    """A database nobody else uses: a new SQLite file, or a fresh schema on the test PostgreSQL."""
    if not POSTGRES_URL:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / f"{name}.sqlite3")
    schema = f"t_{name}_{uuid.uuid4().hex[:8]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    joiner = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{joiner}options=-csearch_path%3D{schema}"


def drop_isolated(url):
    match = re.search(r"search_path%3D(\w+)", url)
    if POSTGRES_URL and match:
        engine = create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{match.group(1)}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = isolated_database_url(tmp_path_factory, "suite")
    yield url
    drop_isolated(url)


# -- mail ----------------------------------------------------------------------------------------

class Mailbox:
    """Collects every message the real SMTP server receives."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def clear(self):
        with self.lock:
            self.messages.clear()

    def to(self, address):
        return [m for m in self.messages if m["To"] == address]

    def body(self, message):
        return message.get_body(("plain",)).get_content()

    def link(self, address, contains):
        """The last link containing ``contains`` in mail to ``address``."""
        for message in reversed(self.to(address)):
            for url in re.findall(r"https?://\S+", self.body(message)):
                if contains in url:
                    return url
        raise AssertionError(f"no link with {contains!r} in mail to {address}")


class DeliveredMailbox:
    """A Mailbox read after a delivery round (deliver_due) of ``app``'s outbox."""

    def __init__(self, handler, app):
        self.handler = handler
        self.app = app

    def deliver(self):
        from flask import has_app_context

        from copractice.notifications.operations import deliver_due

        if has_app_context():  # operations only flush: end the test's unit of work, as a request's end would
            db.session.commit()
        with self.app.app_context():  # its own session, as a delivery worker has
            return deliver_due(limit=100_000)

    @property
    def messages(self):
        self.deliver()
        return self.handler.messages

    def clear(self):
        self.deliver()
        self.handler.clear()

    def to(self, address):
        self.deliver()
        return self.handler.to(address)

    def body(self, message):
        return self.handler.body(message)

    def link(self, address, contains):
        self.deliver()
        return self.handler.link(address, contains)


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", ready_timeout=30, port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(smtp_server, app):
    """What the real SMTP server received. Requests only write to the outbox, so reading the mailbox
    first runs a delivery round, as the delivery process (copractice send-mail --watch) would have."""
    smtp_server.handler.clear()
    return DeliveredMailbox(smtp_server.handler, app)


@pytest.fixture
def sent_mail(mailbox):
    """The mail the site sent in this test: ``sent_mail.messages``, ``.to(address)``, ``.body(message)``,
    ``.link(address, contains)`` (the same object as ``mailbox``)."""
    return mailbox


# -- the app -------------------------------------------------------------------------------------

def test_settings(database_url, smtp_port, **extra):
    settings = {
        "ENV_NAME": "testing",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_TIMEOUT": 5,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # Links that leave the site come from BASE_URL (copractice.urls); the test client's host.
        "BASE_URL": "http://localhost",
    }
    settings.update(extra)
    return settings


test_settings.__test__ = False  # a helper, not a test


def _uninstalled_plugins(config):
    """EXTRA_PLUGINS for the ``copractice_plugins`` ini setting: the listed plugins that are not installed."""
    from importlib.metadata import entry_points

    installed = {ep.name for ep in entry_points(group="copractice")}
    listed = [line.strip() for line in config.getini("copractice_plugins") if line.strip()]
    return [spec for spec in listed if spec.partition("=")[0].strip() not in installed]


@pytest.fixture(scope="session")
def _extra_plugins(request):
    return _uninstalled_plugins(request.config)


def _with_plugins(settings, extra_plugins):
    if extra_plugins:
        settings["EXTRA_PLUGINS"] = [*extra_plugins, *settings.get("EXTRA_PLUGINS", ())]
    return settings


@pytest.fixture(scope="session")
def _schema(database_url, smtp_server, _extra_plugins):
    """Build the suite's schema once, through the migrations themselves."""
    app = create_app(_with_plugins(test_settings(database_url, smtp_server.port), _extra_plugins))
    with app.app_context():
        migrate_upgrade(revision="heads")
        db.engine.dispose()
    return True


def empty_all_tables():
    """Empty every table the models know, and start their ids at 1 again: each test begins with no rows.

    On PostgreSQL only the tables that hold rows are emptied and only the sequences that were used are reset. A
    TRUNCATE of all hundred-odd tables (or of a few with CASCADE, which reaches most of them through ``member``)
    makes new files for each table and index: 0.2 s a test, a quarter of the suite's time on PostgreSQL."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        probe = " UNION ALL ".join(f"""(SELECT '{t}' FROM "{t}" LIMIT 1)""" for t in tables)
        full = db.session.scalars(text(probe)).all()
        if full:  # children before parents (the order of ``tables``); few rows, so DELETE beats TRUNCATE's new files
            try:
                with db.session.begin_nested():
                    db.session.execute(text("; ".join(f'DELETE FROM "{t}"' for t in tables if t in full)))
            except IntegrityError:  # rows that point at each other both ways: TRUNCATE takes them together
                db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in full) + " CASCADE"))
        used = db.session.scalars(text("SELECT quote_ident(sequencename) FROM pg_sequences "
                                       "WHERE schemaname = current_schema() AND last_value IS NOT NULL")).all()
        if used:
            db.session.execute(text("SELECT " + ", ".join(f"setval('{name}', 1, false)" for name in used)))
    else:
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
    db.session.commit()


@pytest.fixture
def app_settings():
    """Override in a test module to change settings: return a dict."""
    return {}


@pytest.fixture
def app(_schema, database_url, smtp_server, app_settings, tmp_path, _extra_plugins):
    settings = test_settings(database_url, smtp_server.port, UPLOAD_FOLDER=str(tmp_path / "uploads"), **app_settings)
    app = create_app(_with_plugins(settings, _extra_plugins))
    with app.app_context():
        empty_all_tables()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def database(app):
    """``db`` (Flask-SQLAlchemy) inside an app context for the whole test: ``database.session.get(...)``."""
    with app.app_context():
        yield db
        db.session.remove()


# -- forms and signing in ------------------------------------------------------------------------

def csrf_from(html):
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def post_form(client, url, data, page=None, **kwargs):
    """Post like a browser: take the CSRF token from the page the form is on."""
    html = client.get(page or url).get_data(as_text=True)
    return client.post(url, data={"csrf_token": csrf_from(html), **data}, **kwargs)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, email, password=PASSWORD, **extra):
        return post_form(self.client, "/login", {"email": email, "password": password, **extra})

    def logout(self):
        return post_form(self.client, "/logout", {}, page="/account")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def log_in(client, member, password=PASSWORD):
    """Sign ``client`` in as ``member`` (a Member or an email address) through the real login form.

    The login limits stay on. Only failed logins count against them, and the counts are cleared
    before each sign-in here, so a test may sign in as often as it likes; failures a test makes on
    purpose still count until its next ``log_in``.
    """
    email = member if isinstance(member, str) else member.email
    app = client.application
    with app.app_context():
        limiter.reset()
    response = AuthActions(client).login(email, password)
    assert response.status_code == 302, f"could not sign in as {email}: {response.status_code}"
    return response


@pytest.fixture
def login(app):
    """``login(client, member)``: sign ``client`` in as ``member`` (see ``log_in``)."""
    return log_in


# -- factories -----------------------------------------------------------------------------------

_counter = iter(range(1, 10_000_000))


def create_member(*, role="trainee", themes=(), email=None, name=None, verified=True, active=True,
                  stakeholder_type="public_contributor", area="kent", password=PASSWORD, **fields):
    """A saved, verified member (inside an app context). ``role`` is one of ROLES; ``themes`` the slugs
    a theme lead leads."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    n = next(_counter)
    member = Member(
        email=email or f"member{n}@example.org", name=name or f"Member {n}", role=role,
        stakeholder_type=stakeholder_type, area=area, password_hash=hash_password(password),
        email_verified_at=utcnow() if verified else None, active=active, **fields,
    )
    for slug in themes:
        member.leaderships.append(ThemeLeadership(theme_slug=slug))
    db.session.add(member)
    db.session.commit()
    return member


@pytest.fixture
def make_member(app):
    """make_member(role="admin", themes=(...), ...) -> a saved, verified Member whose password is PASSWORD."""
    def make(**kwargs):
        with app.app_context():
            member = create_member(**kwargs)
            db.session.refresh(member)
            db.session.expunge(member)
            return member
    return make


_course_counter = iter(range(1, 10_000_000))


def create_course(*, capacity=5, status="published", theme_slug="cross-cutting", sessions=1, title=None,
                  starts_in=timedelta(days=7), **fields):
    """A saved course with ``sessions`` weekly sessions starting ``starts_in`` from now (inside an app context)."""
    from copractice.courses.models import Course, Session

    n = next(_course_counter)
    course = Course(title=title or f"Course {n}", slug=f"course-{n}", summary=f"Summary of course {n}",
                    capacity=capacity, places_taken=0, status=status, theme_slug=theme_slug, **fields)
    start = utcnow().replace(microsecond=0) + starts_in
    for week in range(sessions):
        begins = start + timedelta(weeks=week)
        course.sessions.append(Session(starts_at=begins, ends_at=begins + timedelta(hours=2),
                                       venue="Canterbury Innovation Centre", online_link="https://meet.example/room"))
    db.session.add(course)
    db.session.commit()
    return course


def create_resource(*, title="A guide to co-production", themes=("cross-cutting",), audience=(), tags=(), **fields):
    """A saved, published library resource that links out (no upload), inside a request context."""
    from copractice.library.operations import save_resource

    fields.setdefault("summary", "How researchers, services and commissioners can work together as equals.")
    fields.setdefault("type", "guide")
    fields.setdefault("status", "published")
    fields.setdefault("visibility", "public")
    fields.setdefault("external_url", "https://example.org/guide")
    item = save_resource(None, None, title=title, themes=list(themes), audience=list(audience), tags=list(tags),
                         **fields)
    db.session.commit()
    return item


def set_profile_answer(member, plugin, field, value):
    """Store ``member``'s answer to a plugin's profile question (the caller commits)."""
    from copractice.members.operations import save_profile_answers

    save_profile_answers(member, {(plugin, field): value})


def enrol(member, course, **kwargs):
    """Give ``member`` a place on ``course`` by the site's own rules (plugins' checks included);
    raises ``EnrolmentRefused`` with the reason when a rule says no."""
    from copractice.courses.operations import enrol as enrol_member

    return enrol_member(member, course, **kwargs)


def audit_entries(action=None):
    """The audit log's entries, oldest first; only those of ``action`` when given."""
    from copractice.audit import AuditEntry

    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    return db.session.scalars(stmt).all()


# -- plugins -------------------------------------------------------------------------------------

@pytest.fixture
def enable_plugin(app) -> Callable[[str], None]:
    """``enable_plugin(name)``: switch the plugin on for the test's app, as ``copractice plugins enable`` does."""
    def enable(name: str) -> None:
        result = app.test_cli_runner().invoke(args=["plugins", "enable", name])
        assert result.exit_code == 0, f"could not enable {name}: {result.output}"
    return enable
