"""A whole-page cache that can never show a page older than the database.

Every page is kept under the database's *generation*: a value that changes whenever any
transaction that wrote something commits, whichever process, worker or server it ran in.

- On PostgreSQL it is the current snapshot (``pg_current_snapshot()``): which transactions have
  committed. Two reads with the same snapshot see the same committed data, so it needs no write
  and no lock, and it also sees writes made outside the app (psql, a cron job, a migration).
- On SQLite it is a number in the one-row table ``page_generation``: a listener on the engine sees
  every INSERT, UPDATE and DELETE, and the transaction moves the number on as its last statement
  before COMMIT (SQLite has one writer at a time anyway).

A kept page is used only while the generation is what it was when the page was made, so the first
request after any write, from any worker or server, renders afresh; and for at most
``PAGE_CACHE_SECONDS``, as pages also change with the clock (a session starts, enrolment closes).

Only views marked ``@cached_page`` take part, only for GET, and only HTML and calendar pages (not
exports). A member's pages are theirs alone: the key holds their whole session, with their login
id (which changes when they log out anywhere) and their CSRF secret, so the forms on a kept page
carry that member's own valid tokens. Anonymous visitors share pages, so a page for them is kept
only if it does not hold the CSRF token its request made and the request changed nothing in the
session but the making of a CSRF secret. A request with messages
waiting to be shown, or with only a remember-me cookie, is never served from the cache, and a
response that set a cookie or is streamed is never kept.

Why it is safe to serve a page without running the view or its permission checks: what they decide
depends only on the session (in the key), the database (the generation), the plugin switches (in the
key) and the clock (the time limit). Writes to tables no cached page shows (the outbox, download
counts) end kept pages too: simpler, and never wrong.
"""
import json
import re
import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import current_app, g, make_response, request, session
from sqlalchemy import BigInteger, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db

_WROTE = "copractice_wrote"
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)
_BUMP = ("INSERT INTO page_generation (id, n) VALUES (1, 1) "
         "ON CONFLICT (id) DO UPDATE SET n = page_generation.n + 1")
# Headers a stored page keeps; the rest (cookies, rate-limit counters, security headers) are
# added afresh to every response.
_KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control", "ETag", "Last-Modified")
_KEPT_TYPES = ("text/html", "text/calendar")
_LONGEST_URL = 2048  # longer addresses are not kept: a key's size counts against the store too
_ENTRY_OVERHEAD = 512  # bytes an entry costs beyond its page and key (tuple, headers, dict slot)


class PageGeneration(db.Model):
    """One row: on SQLite, a number that grows with every committed write (see the module's docstring)."""

    __tablename__ = "page_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


# -- moving the generation on -----------------------------------------------------------------------

def _note_write(conn, cursor, statement, parameters, context, executemany):
    if _WRITE.match(statement):
        conn.info[_WROTE] = True


def _bump_before_commit(conn):
    if conn.info.pop(_WROTE, None):
        # Last statement of the transaction. A database from before migration 0009 has no table
        # (code deployed before `copractice db upgrade`): writes still work, pages are not kept.
        try:
            conn.exec_driver_sql(_BUMP)
        except OperationalError as error:
            if "page_generation" not in str(error):
                raise
        conn.info.pop(_WROTE, None)  # the bump is itself a write that _note_write saw


def _forget_write(conn):
    conn.info.pop(_WROTE, None)


def _forget_on_checkin(dbapi_connection, connection_record):
    # Back in the pool without a commit or rollback event (the pool's own reset rolls back).
    if connection_record is not None:
        connection_record.info.pop(_WROTE, None)


def watch_writes(engine):
    """Make every committed write through ``engine`` change the generation (SQLite's counter;
    PostgreSQL's snapshot changes by itself)."""
    if engine.dialect.name == "postgresql":
        return
    if not event.contains(engine, "before_cursor_execute", _note_write):
        event.listen(engine, "before_cursor_execute", _note_write)
        event.listen(engine, "commit", _bump_before_commit)
        event.listen(engine, "rollback", _forget_write)
        event.listen(engine, "checkin", _forget_on_checkin)


def current_generation():
    """The database's generation now, or None when it cannot be known (then nothing is kept)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.execute(text("SELECT pg_current_snapshot()::text")).scalar()
    try:
        return db.session.execute(text("SELECT n FROM page_generation WHERE id = 1")).scalar() or 0
    except OperationalError:  # no table yet: SQLite's transaction carries on after a failed statement
        return None


# -- the store ----------------------------------------------------------------------------------------

class PageStore:
    """Least recently used pages, up to a number of bytes, for one app in one process."""

    def __init__(self, max_bytes):
        self.max_bytes = max_bytes
        self._entries = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] < time.monotonic():
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry

    @staticmethod
    def size(key, body):
        """What an entry costs: its page, its key (address and session) and a fixed overhead."""
        return len(body) + sum(len(part) for part in key if isinstance(part, str)) + _ENTRY_OVERHEAD

    def put(self, key, expires, status, headers, body):
        cost = self.size(key, body)
        if cost > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (expires, status, headers, body, cost)
            self._bytes += cost
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key):
        self._bytes -= self._entries.pop(key)[4]

    def __len__(self):
        return len(self._entries)


def store(app=None):
    app = app or current_app
    found = app.extensions.get("copractice_pages")
    if found is None:
        found = app.extensions["copractice_pages"] = PageStore(app.config["PAGE_CACHE_BYTES"])
    return found


def _key():
    """The entry for this request, or None when this request must not use the cache."""
    if request.method != "GET" or "_flashes" in session or len(request.url) > _LONGEST_URL:
        return None
    if "_user_id" not in session and current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return None  # Flask-Login is about to log this visitor back in from their remember-me cookie
    from copractice.plugins import get_plugins

    if any(name != "csrf_token" for name in session):
        # A member (or a session with something in it): pages for exactly this session, as Flask
        # opened it (signature and age checked). It holds their login id, which changes when they
        # log out anywhere, and their CSRF secret, which the tokens on the page are made from.
        who = json.dumps(dict(session), sort_keys=True, default=str)
    else:
        who = None  # anonymous visitors share pages (which then must hold no CSRF token)
    generation = current_generation()
    if generation is None:
        return None
    return (generation, get_plugins().enabled_names(), who, request.url)


def _storable(response, key, session_before):
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return False
    if response.mimetype not in _KEPT_TYPES or "Set-Cookie" in response.headers:
        return False
    if key[2] is not None:
        return not session.modified
    # Anonymous and shared: the page must not hold the request's CSRF token anywhere (Flask-WTF
    # keeps the one it made in g; a form may have been made without being shown), and the request
    # may have changed nothing in the session but the making of a CSRF secret.
    changed = {k for k in set(session_before) | set(session) if session_before.get(k) != session.get(k)}
    token = g.get("csrf_token")
    return changed <= {"csrf_token"} and not (token and token.encode() in response.get_data())


def cached_page(view):
    """Serve the view's page from the cache when nothing has changed.

    Put it above ``permission_required``: a stored page passed the view's permission checks for
    this very session at this generation, and those checks depend on nothing else (see the module's
    docstring), so a hit needs neither the checks nor the member's row.
    """

    @wraps(view)
    def wrapped(*args, **kwargs):
        seconds = current_app.config["PAGE_CACHE_SECONDS"]
        key = _key() if seconds and current_app.config["PAGE_CACHE_BYTES"] else None
        if key is None:
            return view(*args, **kwargs)
        pages = store()
        hit = pages.get(key)
        if hit is not None:
            _expires, status, headers, body, _cost = hit
            return current_app.response_class(body, status=status, headers=headers)
        session_before = dict(session)
        response = make_response(view(*args, **kwargs))
        if _storable(response, key, session_before):
            headers = [(name, value) for name, value in response.headers.items() if name in _KEPT_HEADERS]
            pages.put(key, time.monotonic() + seconds, response.status_code, headers, response.get_data())
        return response

    return wrapped
