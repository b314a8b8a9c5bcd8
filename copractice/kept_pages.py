"""Members' busiest pages kept in the shared cache while no table they were read from has changed (issue 12).

A view marked :func:`keepable` calls :func:`kept_page` with a function that renders it, *after* its permission
checks, so those run on every request. The page is kept under who asks (the member, or nobody for a private
feed whose secret is in its address), its full address, the app's version and the plugins' switches, together
with the tables its request read and the generation token of each. It is served again only while every one of
those tokens is unchanged, and for at most ``KEPT_PAGE_SECONDS`` (the clock moves pages on: "coming up" becomes
"past", check-in opens).

Which tables a request read and which a transaction wrote are seen by SQLAlchemy's cursor events on the
statements themselves, so a new query, a plugin's table or a hand-written ``text()`` statement cannot be
forgotten. Once a transaction has ended (its connection goes back to the pool after the commit), every table
it wrote gets a new token, and so does "any table". A statement that is not a SELECT and names no known table
counts as a write of every table. A download changes only its counter's table: none of these pages is built again.

Finer than tables, for the tables whose every row belongs to a course or a member or both (``OWNED``: attendance
and its changes, enrolments, courses, completions, certificates): an operation that writes them for one course and
member says so (:func:`belongs_to`; marking and the enrolment steps do), and a page says which courses and members
it shows (``kept_page(courses=..., members=...)``, :func:`shows`; the member asking is always one). Such a page is
kept under those courses' and members' tokens and "rows of anyone" for those tables, so a check-in on another
course, or another member's enrolment, leaves it kept; a check-in builds that course's register and report and the
member's My learning again. A write outside any :func:`belongs_to` (an admin's bulk change, ``text()`` SQL, a job)
renews "rows of anyone": every page of the table is built again. Plugins' code (hooks through
``copractice.plugins``, report columns) runs under :func:`as_plugin`: what it writes is rows of anyone, and what it
reads counts as the whole table, since a plugin may read or write any course's rows. A plugin's own SQLAlchemy
event listeners are not plugins' code in that sense: one that writes these tables when an operation flushes must
say whose rows it writes with :func:`belongs_to`. Of the ``member`` table, what only a member's own pages show of
their own row (reading settings, sign-in token, calendar address, password) is written under :func:`own_row`:
their pages are built again, a register that shows their name is not.

Races: the request reads the token of "any table" before its first statement, and keeps the page only when that
token is unchanged after it has read its tables' tokens. A write that commits after the page read its rows
renews the tokens after that commit: either the page read its tokens before the renewal (kept under old tokens,
so never served) or the "any table" token has moved (not kept). This holds whatever the database's snapshot rules
(SQLite's snapshot begins at the request's first statement, after the token was read). Between a commit and its
renewal (a moment) a kept page can still be served, as it could have been a moment before the commit.

What changes per request is not kept: the CSRF token is put in on the way out (the page is kept in pieces), a page
with a message waiting (``flash``) is built afresh, and only 200 responses are kept. Pages are kept only in a
cache every process shares (Redis), or in-process where one process serves the site (``PIECES_IN_PROCESS``).
"""
import hashlib
import json
import logging
import re
import time
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from threading import Lock

from flask import current_app, g, get_flashed_messages, has_app_context, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event

from copractice import pieces
from copractice.extensions import db

_ANY = "tables"  # the token every write renews
_WORD = re.compile(r"[a-z_][a-z0-9_]*")
_FIRST_WORD = re.compile(r"\s*(?:(?:--[^\n]*\n|/\*.*?\*/)\s*)*\(*\s*([a-z]+)", re.I | re.S)
_DML = re.compile(r"\b(?:insert\s+into|update\s+\S+\s+set|delete\s+from|merge\s+into)\b", re.I)
_DELETES = re.compile(r"\b(?:delete\s+from|truncate)\b", re.I)
# Statements that change no rows (savepoints are how operations keep conflicts small). Not EXPLAIN: ANALYZE runs it.
_READS = frozenset({"select", "savepoint", "release", "rollback", "begin", "commit", "pragma", "show", "set",
                    "analyze", "vacuum"})
_KEEP_HEADERS = ("Content-Type", "Content-Disposition", "Cache-Control")
_reads = ContextVar("copractice_kept_reads", default=None)
# Tables whose every row is one course's or one member's (or both): a write may say whose (belongs_to).
OWNED = frozenset({"attendance", "attendance_change", "enrolment", "course", "completion", "certificate"})
_writing_for = ContextVar("copractice_kept_writing_for", default=None)  # whose rows the statements now write
_in_plugin = ContextVar("copractice_kept_in_plugin", default=False)  # a plugin's code is running
_own_row = ContextVar("copractice_kept_own_row", default=None)  # the member whose own row is being written
ROWS_SECONDS = 86_400  # a course's or member's token goes after a day unwritten (pages missed then are built again)
_names = {}  # SQL text -> the tables it names (SQLAlchemy caches compiled SQL, so the texts repeat)
_cascades = {}  # table -> the tables a delete or update of it can change through ON DELETE/UPDATE CASCADE or SET NULL
log = logging.getLogger(__name__)


def enabled(app):
    if app.config.get("KEPT_PAGE_SECONDS", 0) <= 0:
        return False
    with app.app_context():
        return pieces.enabled()


def keepable(view):
    """Mark a view whose GET may be kept: its request records the tables it reads (see :func:`kept_page`)."""
    view.kept_page = True
    return view


def _tables_named(statement):
    """The generations (``table:<name>``) of the tables a statement names. The tables are looked up as they are
    now: a plugin's tables are known from when it loads (after the core's first statements)."""
    tables = _names.get(statement)
    if tables is None:
        known = db.metadata.tables
        tables = frozenset(f"table:{word}" for word in set(_WORD.findall(statement.lower())) if word in known)
        if len(statement) > 4_000:  # a long IN list's text varies with its length: not worth remembering
            return tables
        if len(_names) >= 5_000:  # texts that vary: start again rather than grow
            _names.clear()
        _names[statement] = tables
    return tables


def _with_cascades(tables):
    """``tables`` and every table their rows' foreign keys can change (followed on), as generations."""
    out = set(tables)
    for generation in tables:
        name = generation[6:]
        if name not in _cascades:
            _cascades[name] = _cascade_targets(name)
        out.update(_cascades[name])
    return out


def _cascade_targets(name):
    found, todo = set(), [name]
    while todo:
        parent = todo.pop()
        for table in db.metadata.tables.values():
            for key in table.foreign_keys:
                if key.column.table.name == parent and (key.ondelete or key.onupdate) and \
                        f"table:{table.name}" not in found:
                    found.add(f"table:{table.name}")
                    todo.append(table.name)
    return frozenset(found)


def note(*entities):
    """A piece of the page came from the cache (copractice/pieces.py): the page is kept under its entities too."""
    reads = _reads.get()
    if reads is not None:
        reads.update(entities)


def _is_write(statement, context):
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        return True
    compiled = getattr(context, "compiled", None)
    if compiled is not None and getattr(compiled.statement, "is_select", False):
        return statement.lstrip()[:4].lower() == "with" and _DML.search(statement) is not None  # a CTE that writes
    first = _FIRST_WORD.match(statement)
    if first is None or first.group(1).lower() not in _READS:
        return True
    return first.group(1).lower() == "select" and _DML.search(statement) is not None


def _whose(tables, entities, own=None):
    """What a write of ``tables`` renews: each table's token and, for the tables in OWNED, the tokens of the rows
    of ``entities`` (``course:<id>``, ``member:<id>``) or, written without saying whose, of "rows of anyone".
    ``own``: a member writing what only their own pages show of their own ``member`` row (:func:`own_row`)."""
    out = set(tables)
    if own is not None and "table:member" in out:
        out.discard("table:member")
        out.add(f"table:member:own:{own}")
    for generation in tables:
        if generation[6:] in OWNED:
            if entities:
                out.update(f"{generation}:{entity}" for entity in entities)
            else:
                out.add(f"{generation}:anyone")
    return out


def _showing(reads, entities, viewer=None):
    """The tokens a page is kept under: for the OWNED tables, when it shows only ``entities``' rows, theirs and
    "rows of anyone"; the whole table's for the others, for a page that says nothing, and for what plugins read.
    A page asked for by a member who is signed in also follows their own row (:func:`own_row`)."""
    out = {f"table:member:own:{viewer}"} if viewer is not None and "table:member" in reads else set()
    for generation in reads:
        if generation.startswith("whole:"):
            out.add(generation[6:])
        elif entities and generation.startswith("table:") and generation[6:] in OWNED:
            out.add(f"{generation}:anyone")
            out.update(f"{generation}:{entity}" for entity in entities)
        else:
            out.add(generation)
    return out


def _lasting(generation):
    """How long a token lasts unwritten: a course's or member's rows (``table:<name>:course:<id>``) a day; for ever
    the others (there are a few of them, one per table)."""
    parts = generation.split(":")
    return ROWS_SECONDS if len(parts) == 4 and parts[0] == "table" and parts[2] in ("course", "member", "own") else 0


@contextmanager
def belongs_to(*, courses=(), members=()):
    """The writes made inside are rows of these courses and members, for the OWNED tables (and of any course or
    member named by a block this one is inside). Say every course and member whose rows you write: a page of
    another course or member is kept through them. Each row the session holds unwritten counts under the block
    it was made in (see :func:`_writing`)."""
    entities = {f"course:{c}" for c in courses} | {f"member:{m}" for m in members}
    with _writing(_writing_for, frozenset(entities | (_writing_for.get() or set()))):
        yield


@contextmanager
def _writing(variable, value):
    """Statements run inside with ``variable`` set to ``value``; what the session holds unwritten is written on
    the way in (under the value outside) and on the way out (under this one)."""
    db.session.flush()
    token = variable.set(value)
    try:
        yield
        db.session.flush()
    finally:
        variable.reset(token)


@contextmanager
def own_row(member_id):
    """The writes made inside change, of the ``member`` table, only what the member's own pages show of their own
    row: their reading settings, their sign-in token, their calendar address, their password. Other members'
    pages (a register's names) are kept through them; the member's own are built again. Not for what others see
    (a name, a role)."""
    with _writing(_own_row, member_id):
        yield


def as_plugin(function, *args, **kwargs):
    """Run a plugin's code (a hook, a report column's values): a plugin may read and write any course's and
    member's rows, so what it reads counts as the whole table, and what it writes as rows of anyone."""
    token = _in_plugin.set(True)
    try:
        with outside_scope():
            return function(*args, **kwargs)
    finally:
        _in_plugin.reset(token)


@contextmanager
def outside_scope():
    """Writes made inside do not say whose rows they are (a plugin's hook called by an operation)."""
    if _writing_for.get() is None:
        yield
        return
    with _writing(_writing_for, None):
        yield


def writing_for():
    """Whose rows the statements run now write (a frozenset of ``course:<id>``/``member:<id>``), or None."""
    return _writing_for.get()


def shows(*, courses=(), members=()):
    """(While a page is built) it shows rows of these courses and members of the OWNED tables, and of no others:
    it is kept through writes that say they are other courses' and members' rows."""
    scope = g.get("kept_shows") if has_app_context() else None
    if scope is not None:
        scope.update({f"course:{c}" for c in courses} | {f"member:{m}" for m in members})


def _renew(backend, generations):
    """New tokens for what a transaction wrote. "Any table" first and last: a cache that sets keys one at a time
    (Redis pipelines without MULTI, files) never shows the new table tokens under an old "any table" token, and
    a copy checked between the two moves is checked again. A failure is logged, never raised: the transaction has
    already ended, and its connection must still go back to the pool. Pages stay at most KEPT_PAGE_SECONDS."""
    rows = [generation for generation in generations if _lasting(generation)]
    try:
        pieces.renew(backend, [_ANY, *(generation for generation in generations if not _lasting(generation))])
        if rows:
            pieces.renew(backend, rows, timeout=ROWS_SECONDS)
        pieces.renew(backend, [_ANY])
    except Exception:  # noqa: BLE001  (any failure of the cache: the database's work is done and stays)
        log.exception("kept pages: could not renew the tokens of %d tables", len(generations))


def watch(engine, backend):
    """Record what each statement on ``engine`` reads (in a keepable request) and writes (always)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _seen(conn, _cursor, statement, _parameters, context, _executemany):
        if _is_write(statement, context):
            named = _tables_named(statement)
            tables = named or frozenset(f"table:{name}" for name in db.metadata.tables)
            if (context is not None and context.isdelete) or _DELETES.search(statement):
                tables = _with_cascades(tables)  # rows their foreign keys' ON DELETE reaches change too
            conn.info.setdefault("copractice_written", set()).update(
                _whose(tables, _writing_for.get() if named else None, _own_row.get() if named else None))
        else:
            reads = _reads.get()
            if reads is not None:
                tables = _tables_named(statement)
                reads.update(tables)
                if _in_plugin.get():  # a plugin may read any course's rows, whatever the page says it shows
                    reads.update(f"whole:{generation}" for generation in tables if generation[6:] in OWNED)

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):
        written = record.info.pop("copractice_written", None)
        if written:  # the transaction has ended (committed or not): pages built from before it are missed
            _renew(backend, written)


def _cache(call, *args):
    """A call to the shared cache, or None when it fails (logged): the page is then built, and not kept."""
    try:
        return call(*args)
    except Exception:  # noqa: BLE001  (Redis down, slow or full: the page still answers)
        log.exception("kept pages: the cache did not answer")
        return None


def init_app(app):
    if not enabled(app):
        return
    with app.app_context():
        for engine in db.engines.values():
            watch(engine, pieces.backend())

    @app.before_request
    def _start():
        view = app.view_functions.get(request.endpoint)
        # Only the page's own address is kept: /learning?x=1, ?x=2 ... would each take a place in the cache.
        if request.method == "GET" and not request.args and getattr(view, "kept_page", False):
            before = _cache(lambda: pieces.generations(_ANY)[0])  # before the request's first statement
            if before is not None:
                g.kept_before = before
                g.kept_reads = _reads.set(set())

    @app.teardown_request
    def _stop(_exc):
        token = g.pop("kept_reads", None)
        if token is not None:
            _reads.reset(token)


def _current(kept):
    names, tokens = kept[0], kept[1]
    return _cache(lambda: pieces.current(*names)) == tokens  # a token gone (expired, evicted) is a miss


def _key():
    who = current_user.get_id() if current_user.is_authenticated else None
    parts = [current_app.config.get("VERSION"), pieces.plugins_state(), who, request.path]
    return "kept:" + hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()[:40]


def kept_page(render, until=None, courses=None, members=None):
    """The page ``render()`` makes (a str or a response), kept or served from what was kept. Call it after the
    view's permission checks. ``until`` (a UTC datetime): the page changes by itself then (a register opens), so
    it is kept no longer. ``courses``, ``members``: of the OWNED tables, the page shows only these courses' and
    members' rows (and the asker's, and those ``render`` names with :func:`shows`); by default, any rows."""
    reads = _reads.get()
    if reads is None or get_flashed_messages():
        return render()
    # /reports/courses/007 is /reports/courses/7: one address a page (url_for includes a mount point, if any)
    if url_for(request.endpoint, **request.view_args) != request.script_root + request.path:
        return render()
    if courses is not None or members is not None:
        g.kept_shows = set()
        shows(courses=courses or (), members=members or ())
        if current_user.is_authenticated:
            shows(members=[current_user.id])
    backend = pieces.backend()
    key = _key()
    kept, checked_under = _local.get(key)
    if kept is not None and checked_under == g.kept_before:  # nothing written anywhere since it was last checked
        _local.served(key)
        return _response(kept)
    if kept is not None and _current(kept):
        _local.put(key, kept, g.kept_before, served=True)
        return _response(kept)
    shared = _cache(backend.get, key)  # another worker may have built it again since
    if shared is not None and shared[4] > time.time() and (kept is None or shared[1] != kept[1]) and \
            _current(shared):
        _local.put(key, shared, g.kept_before, served=True)
        return _response(shared)
    if _local.unserved(key):  # what this process kept last time changed before anyone asked for it again:
        return render()  # while writes come faster than readers, build without keeping every other time
    response = current_app.make_response(render())
    if response.status_code != 200 or response.is_streamed:
        return response
    viewer = current_user.id if current_user.is_authenticated else None
    names = tuple(sorted(_showing(reads, g.get("kept_shows"), viewer)))  # (a page that shows nobody's: any rows)
    # In one read: were any tables written since the request began (then the page may be from before a commit
    # and is not kept), and the tokens of those it read.
    found = _cache(pieces.current, _ANY, *names)
    if found is None:
        return response
    still, *tokens = found
    if None in tokens:  # a table nobody has written since the cache began: it gets a token now. A write renews
        # "any table" before its tables, so if "any table" is still the same after the new tokens are made, no
        # write's tokens were taken for them.
        tokens = _cache(lambda: pieces.generations(*names, timeout=_lasting))
        still = _cache(lambda: pieces.current(_ANY)[0])
    if tokens is not None and still == g.kept_before:
        body = response.get_data()
        # The page in pieces between its CSRF tokens: served, they are joined with the asker's own token.
        parts = body.split(generate_csrf().encode()) if response.mimetype == "text/html" and \
            current_user.is_authenticated else [body]
        seconds = current_app.config["KEPT_PAGE_SECONDS"]
        ends = time.time() + seconds
        if until is not None:
            ends = min(ends, until.replace(tzinfo=UTC).timestamp() if until.tzinfo is None
                       else until.timestamp())
        if ends > time.time() + 0.5:
            kept = (names, tokens, parts, [(k, v) for k, v in response.headers if k in _KEEP_HEADERS], ends)
            _cache(lambda: backend.set(key, kept, timeout=max(1, int(ends - time.time()) + 1)))
            _local.put(key, kept, g.kept_before)
    return response


class _Local:
    """This process's copies of kept pages, newest used last, so a page need not come over from the shared cache
    on every request, each with the "any table" token it was last checked under: while that token is the same,
    nothing has been written anywhere and the copy needs no check. Otherwise it is checked like the shared one.
    A copy lasts no longer than the shared cache keeps the page."""

    def __init__(self, most_bytes=32 * 1024 * 1024):
        self.pages, self.bytes, self.most_bytes, self.lock = OrderedDict(), 0, most_bytes, Lock()

    def get(self, key):
        """(what was kept, the "any table" token it was last checked under), or (None, None)."""
        with self.lock:
            found = self.pages.get(key)
            if found is None or found[0] is None:
                return None, None
            if found[0][4] < time.time():
                self._drop(key)
                return None, None
            self.pages.move_to_end(key)
            return found[0], found[2]

    def put(self, key, kept, checked_under, served=False):
        # What a copy holds besides its page (its key, tables and tokens), or a mark alone, counts too: marks of
        # pages nobody asks for again are pushed out like the rest.
        size = 512 + (sum(len(part) for part in kept[2]) + 60 * len(kept[0]) if kept is not None else 0)
        with self.lock:
            if key in self.pages:
                self._drop(key)
            self.pages[key] = (kept, size, checked_under, served)
            self.bytes += size
            while self.bytes > self.most_bytes and self.pages:
                self._drop(next(iter(self.pages)))

    def served(self, key):
        with self.lock:
            found = self.pages.get(key)
            if found is not None and not found[3]:
                self.pages[key] = (*found[:3], True)

    def unserved(self, key):
        """Whether this process kept the page last time and nobody was served that copy (it is now out of date).
        Says so once: the copy is replaced by a mark, so the next build keeps the page again."""
        with self.lock:
            found = self.pages.get(key)
            if found is None or found[0] is None or found[3]:
                return False
            self._drop(key)
        self.put(key, None, None)
        return True

    def _drop(self, key):
        self.bytes -= self.pages.pop(key)[1]


_local = _Local()


def _response(kept):
    _names, _tokens, parts, headers, _until = kept
    response = current_app.response_class(generate_csrf().encode().join(parts) if len(parts) > 1 else parts[0])
    for name, value in headers:
        response.headers[name] = value
    return response
