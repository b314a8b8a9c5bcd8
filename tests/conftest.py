"""Fixtures: a real database (SQLite file, or PostgreSQL from COPRACTICE_TEST_DATABASE_URL),
a real SMTP server (aiosmtpd), the app, a client with CSRF on, and factories."""
import os
import re
import socket
import threading
import uuid
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade as migrate_upgrade
from sqlalchemy import create_engine, text

from copractice import create_app
from copractice.extensions import db
from copractice.members.models import Member, ThemeLeadership
from copractice.timeutil import utcnow
from copractice.security import hash_password

PASSWORD = "correct horse battery"
POSTGRES_URL = os.environ.get("COPRACTICE_TEST_DATABASE_URL")


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


@pytest.fixture(scope="session")
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller
    controller.stop()


@pytest.fixture
def mailbox(smtp_server, app):
    """What the real SMTP server received. Requests only write to the outbox, so reading the mailbox
    first runs a delivery round, as the delivery process (copractice send-mail --watch) would have."""
    smtp_server.handler.clear()
    return DeliveredMailbox(smtp_server.handler, app)


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


@pytest.fixture(scope="session")
def _schema(database_url, smtp_server):
    """Build the suite's schema once, through the migrations themselves."""
    app = create_app(test_settings(database_url, smtp_server.port))
    with app.app_context():
        migrate_upgrade(revision="heads")
        db.engine.dispose()
    return True


def empty_all_tables():
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            db.session.execute(text(f'DELETE FROM "{table}"'))
    db.session.commit()


@pytest.fixture
def app_settings():
    """Override in a test module to change settings: return a dict."""
    return {}


@pytest.fixture
def app(_schema, database_url, smtp_server, app_settings, tmp_path):
    app = create_app(test_settings(database_url, smtp_server.port, UPLOAD_FOLDER=str(tmp_path / "uploads"),
                                   **app_settings))
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


# -- factories -----------------------------------------------------------------------------------

_counter = iter(range(1, 10_000_000))


def create_member(*, role="trainee", themes=(), email=None, name=None, verified=True, active=True,
                  stakeholder_type="public_contributor", area="kent", password=PASSWORD, **fields):
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
    """make_member(role="admin", ...) -> a saved, verified Member whose password is PASSWORD."""
    def make(**kwargs):
        with app.app_context():
            member = create_member(**kwargs)
            db.session.refresh(member)
            db.session.expunge(member)
            return member
    return make


# -- mail delivered by a delivery round ----------------------------------------------------------

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
