"""A whole-page cache that can never show a page older than the database.

The site has one *generation* number, a single row in ``page_generation``. Every transaction that
writes anything moves it on, as the last statement before its COMMIT, whichever process or worker
it runs in (a listener on the engine sees every INSERT, UPDATE and DELETE). A cached page is kept
in this process under the generation it was read at, so the first request after any write, from
any worker or server, misses and renders afresh. On top of that an entry lives at most
``PAGE_CACHE_SECONDS`` (pages also change with the clock: a session starts, enrolment closes).

Only views marked ``@cached_page`` take part, and only for GET. A member's pages are theirs alone:
the key holds their whole session, with their login id (which changes when they log out anywhere)
and their CSRF secret, so the forms on a cached page carry that member's own valid tokens. Anonymous visitors share
pages, so a page for them is stored only if it holds no CSRF token and the request changed nothing
in the session but the making of a CSRF secret. A request with messages waiting to be shown is
never served from the cache, and a response that set a cookie or is streamed (exports) is never
stored.

Why it is safe to serve a page without running the view or its permission checks: what they decide
depends only on the session (in the key), the database (the generation), the plugin switches (in the
key) and the clock (the time limit).
"""
import json
import re
import threading
import time
from collections import OrderedDict
from functools import wraps

from flask import current_app, make_response, request, session
from sqlalchemy import BigInteger, event, text
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db

# The execution option that keeps a connection from moving the generation on (the migrations:
# the table may not exist yet, and no process has a page cached from a schema being built).
NO_GENERATION = "copractice_no_generation"
_WROTE = "copractice_wrote"
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE|MERGE)\b", re.IGNORECASE)
_BUMP = ("INSERT INTO page_generation (id, n) VALUES (1, 1) "
         "ON CONFLICT (id) DO UPDATE SET n = page_generation.n + 1")
# Headers a stored page keeps; the rest (cookies, rate-limit counters, security headers) are
# added afresh to every response.
_KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control", "ETag", "Last-Modified")


class PageGeneration(db.Model):
    """One row: a number that grows with every committed write (see the module's docstring)."""

    __tablename__ = "page_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, default=0)


# -- moving the generation on -----------------------------------------------------------------------

def _note_write(conn, cursor, statement, parameters, context, executemany):
    if _WRITE.match(statement):
        conn.info[_WROTE] = True


def note_write(conn):
    """Tell the counter about a write made past SQLAlchemy's cursor (PostgreSQL COPY on the raw connection)."""
    conn.info[_WROTE] = True


def _bump_before_commit(conn):
    if conn.info.get(_WROTE) and not conn.get_execution_options().get(NO_GENERATION):
        # Last statement of the transaction: the row lock is held only while committing, so two
        # writers can never wait on each other through it.
        conn.exec_driver_sql(_BUMP)
    conn.info.pop(_WROTE, None)


def _forget_write(conn):
    conn.info.pop(_WROTE, None)


def _forget_on_checkin(dbapi_connection, connection_record):
    # Back in the pool without a commit or rollback event (the pool's own reset rolls back).
    connection_record.info.pop(_WROTE, None)


def watch_writes(engine):
    """Make every committed write through ``engine`` move the generation on."""
    if not event.contains(engine, "before_cursor_execute", _note_write):
        event.listen(engine, "before_cursor_execute", _note_write)
        event.listen(engine, "commit", _bump_before_commit)
        event.listen(engine, "rollback", _forget_write)
        event.listen(engine, "checkin", _forget_on_checkin)


def current_generation():
    return db.session.execute(text("SELECT n FROM page_generation WHERE id = 1")).scalar() or 0


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

    def put(self, key, expires, status, headers, body):
        if len(body) > self.max_bytes // 8:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (expires, status, headers, body)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key):
        self._bytes -= len(self._entries.pop(key)[3])

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
    if request.method != "GET" or "_flashes" in session:
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
    return (current_generation(), get_plugins().enabled_names(), who, request.url)


def _storable(response, key, session_before):
    if response.status_code != 200 or response.is_streamed or response.direct_passthrough:
        return False
    if "Set-Cookie" in response.headers:
        return False
    if key[2] is not None:
        return not session.modified
    # Anonymous: making a CSRF secret for a form is the only change allowed, and no token may be on the page.
    changed = {k for k in set(session_before) | set(session) if session_before.get(k) != session.get(k)}
    return changed <= {"csrf_token"} and b'name="csrf_token"' not in response.get_data()


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
            _expires, status, headers, body = hit
            return current_app.response_class(body, status=status, headers=headers)
        session_before = dict(session)
        response = make_response(view(*args, **kwargs))
        if _storable(response, key, session_before):
            headers = [(name, value) for name, value in response.headers.items() if name in _KEPT_HEADERS]
            pages.put(key, time.monotonic() + seconds, response.status_code, headers, response.get_data())
        return response

    return wrapped
