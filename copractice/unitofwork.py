"""One unit of work per request, CLI command or job: it commits once at its end, or not at all.

Operations (the ``operations`` modules and the rules they call) flush and never commit. Whoever
starts the work owns the transaction:

- a web request commits once, after the view has returned a response below 400 (a page, a
  redirect after a form post, a file): ``_end_of_request``. A response of 400 or more (an
  ``abort``, a refused CSRF token) rolls back: a 4xx says the request did not do what was asked.
  A form shown again with its errors flushed nothing, so its commit has nothing to save. Any
  exception rolls back before the error page is made, so the error page reads a clean session,
  and nothing the view flushed is kept. A commit that fails is an exception like any other: the
  member gets the error page, never a "saved" message or a success redirect. The commit runs after
  every other ``after_request`` function (it is registered first, and Flask runs them last-first),
  so nothing that can fail comes after it.
- a CLI command commits once at its end (``copractice.cli``); a delivery round commits per message
  claim, which is its unit of work (``copractice.notifications.operations.deliver_one``).

An operation that can be refused after it has written wraps its writes in a savepoint
(``@savepoint``, or ``db.session.begin_nested()`` around the one statement that may conflict), so
the refusal or the conflict undoes its own work only, and the rest of the request's work stands.

SQLite: Python's sqlite3 module starts a transaction only before INSERT/UPDATE/DELETE, so a
SAVEPOINT issued first would itself open the transaction, and releasing it would commit everything
(see SQLAlchemy's notes on pysqlite and SAVEPOINT). Before a savepoint with no transaction open we
begin one ourselves, IMMEDIATE: a savepoint is taken in order to write, and taking the write lock
now (waiting up to busy_timeout) means a read in it can never make the later write fail at once.
"""
import functools

from flask import got_request_exception
from sqlalchemy import event

from copractice.extensions import db


def savepoint(operation):
    """Run ``operation`` in a savepoint: if it raises (a refusal, a conflict), only its own writes are undone."""

    @functools.wraps(operation)
    def run(*args, **kwargs):
        with db.session.begin_nested():
            return operation(*args, **kwargs)

    return run


def _end_of_request(response):
    if not db.session.registry.has():  # the request never touched the database
        return response
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def _roll_back_on_exception(_sender, **_extra):
    db.session.rollback()


def _roll_back_after_error(exc):
    if exc is not None and db.session.registry.has():
        db.session.rollback()


def _begin_before_savepoint(conn, _name):
    dbapi_connection = conn.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def init_unit_of_work(app):
    """Call before any other ``after_request`` function is registered, so the commit runs last."""
    app.after_request(_end_of_request)
    app.teardown_request(_roll_back_after_error)
    got_request_exception.connect(_roll_back_on_exception, app)


def init_sqlite_savepoints(engine):
    if engine.dialect.name == "sqlite" and not event.contains(engine, "savepoint", _begin_before_savepoint):
        event.listen(engine, "savepoint", _begin_before_savepoint)
