"""Background jobs on Huey: email delivery, reminders, the end of waiting-list offers, and what later
issues add.

One Huey instance per app, built from ``JOBS_URL`` the first time it is needed:

- unset: a SQLite file, ``<instance>/jobs.sqlite3`` -- the embedded default, no extra service
  (``make run`` starts a worker beside the web server);
- ``redis://host:6379/0``: Redis, shared by several servers (each runs ``copractice worker``);
- ``postgresql://...``: PostgreSQL tables, another backend several servers can share;
- ``sqlite:////path/jobs.sqlite3``: a SQLite file elsewhere; ``memory://``: kept in the process (tests).

Every new outbox row is handed to a ``deliver_message`` job once its transaction has committed (a
SQLAlchemy ``after_commit`` listener, so it works whoever commits). Handing it over never opens an SMTP
connection and never fails the request: if the job backend cannot be reached the message waits for the
sweep, ``deliver_due``, which the worker runs every minute and once when it starts. Jobs are idempotent:
a message is claimed in the database before it is sent (copractice.notifications.operations), and a
reminder is recorded with a unique key. A job that raises is retried with a growing delay; one that
still fails is recorded in ``job_failure`` and listed at /admin/email with a "Try again" button.

``copractice send-mail`` and ``copractice send-reminders`` still do the same work from cron.
"""
import json
import logging
import os
import threading
from datetime import datetime

from flask import current_app, has_app_context
from sqlalchemy import String, Text, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from copractice.extensions import db
from copractice.timeutil import utcnow

log = logging.getLogger(__name__)

EXTENSION = "copractice_jobs"
_NEW_OUTBOX = "copractice_new_outbox_ids"


class JobFailure(db.Model):
    """A job that failed after its last retry, waiting for an admin to try it again (/admin/email)."""

    __tablename__ = "job_failure"

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(String(100))
    args: Mapped[str] = mapped_column(Text, default="[]")  # JSON list
    error: Mapped[str] = mapped_column(Text)
    failed_at: Mapped[datetime] = mapped_column(default=utcnow)
    retried_at: Mapped[datetime | None]


# Periodic jobs that other modules add (digests, survey follow-ups): name -> (crontab fields, function,
# whether it builds links and so needs a request context for BASE_URL).
PERIODIC = {}


def periodic(name, request=False, **schedule):
    """Decorator: run ``function()`` in every app's worker on a crontab schedule in UTC (``minute="*/5"``,
    ``hour="7", minute="0"``...), in its own unit of work, retried like every job. Register it at import
    time, before the first worker starts. The function must be safe to run twice."""
    def register(function):
        PERIODIC[name] = (schedule, function, request)
        return function
    return register


def make_huey(url, instance_path, name="copractice"):
    """The Huey instance JOBS_URL names (see the module's docstring)."""
    import huey

    options = {"results": False, "utc": True}
    if not url:
        return huey.SqliteHuey(name, filename=os.path.join(instance_path, "jobs.sqlite3"), **options)
    if url == "memory://":
        return huey.MemoryHuey(name, **options)
    if url.startswith(("redis://", "rediss://", "unix://")):
        from redis import ConnectionPool

        # A Redis that is away must not hold a web request for long: the sweep sends what was not queued.
        pool = ConnectionPool.from_url(url, socket_connect_timeout=3, socket_timeout=10)
        return huey.RedisHuey(name, connection_pool=pool, **options)
    if url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        return huey.PostgresHuey(name, dsn=url.replace("postgresql+psycopg://", "postgresql://"), **options)
    if url.startswith("sqlite:///"):
        return huey.SqliteHuey(name, filename=url[len("sqlite:///"):], **options)
    raise RuntimeError("JOBS_URL must be empty (a SQLite file in the instance folder), redis://..., "
                       f"postgresql://..., sqlite:///path or memory://, not {url!r}")


class Jobs:
    """The app's job queue: its Huey instance and its tasks by name."""

    def __init__(self, app):
        self.app = app
        self.tasks = {}
        self._huey = None
        self._lock = threading.Lock()

    @property
    def huey(self):
        with self._lock:
            if self._huey is None:
                huey = make_huey(self.app.config.get("JOBS_URL"), self.app.instance_path)
                self._define(huey)
                self._huey = huey
            return self._huey

    # -- running a job: its own app context and unit of work ----------------------------------

    def _in_app(self, function, *args, request=False):
        """Run ``function`` in an app context (and a request context for the site's address when it
        builds links); commit at the end, roll back on any error."""
        with self.app.app_context():
            try:
                if request:
                    with self.app.test_request_context("/", base_url=self.app.config["BASE_URL"]):
                        result = function(*args)
                else:
                    result = function(*args)
                db.session.commit()
                return result
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    def _define(self, huey):
        from huey import crontab
        from huey.exceptions import RetryTask
        from huey.signals import SIGNAL_ERROR

        retry = {"retries": 5, "retry_delay": 10, "retry_backoff": 2}  # 10 s, 20 s, 40 s, 80 s, 160 s

        def deliver(message_id):
            from copractice.notifications.models import OutboxMessage
            from copractice.notifications.operations import deliver_one

            outcome = deliver_one(message_id)
            if outcome in ("retry", "unreachable"):
                # Try again when the message's own wait is over (longer after each attempt).
                return db.session.get(OutboxMessage, message_id).next_attempt_at
            return None

        @huey.task(name="deliver_message", **retry)
        def deliver_message(message_id):
            """Send one outbox message (a no-op if it was sent, or another worker has it)."""
            retry_at = self._in_app(deliver, message_id)
            if retry_at is not None:
                raise RetryTask(eta=retry_at)

        @huey.periodic_task(crontab(minute="*"), name="deliver_due", **retry)
        def deliver_due():
            """Every minute: whatever is due and was not handed over (a crash, the backend was down)."""
            from copractice.notifications.operations import deliver_due as sweep

            return self._in_app(sweep, 1000)

        def remind():
            from copractice.courses.operations import expire_offers
            from copractice.courses.reminders import send_reminders

            return expire_offers(), send_reminders()

        @huey.periodic_task(crontab(minute="*/5"), name="send_reminders", **retry)
        def send_reminders():
            """Every five minutes: reminders of sessions in the next 48 hours, and offers that ran out."""
            return self._in_app(remind, request=True)

        @huey.task(name="install_plugin")
        def install_plugin(install_id):
            """Install a plugin from the approved catalogue (never retried: a failed install is undone and shown)."""
            from copractice.plugin_install import run_queued

            self._in_app(run_queued, install_id)

        self.tasks.update(deliver_message=deliver_message, deliver_due=deliver_due, send_reminders=send_reminders,
                          install_plugin=install_plugin)

        for name, (schedule, function, request) in PERIODIC.items():
            def run(function=function, request=request):
                return self._in_app(function, request=request)

            run.__name__ = name
            self.tasks[name] = huey.periodic_task(crontab(**schedule), name=name, **retry)(run)

        @huey.signal(SIGNAL_ERROR)
        def record_failure(signal, task, exc=None):
            if task.retries:  # it will be tried again
                return
            name = task.name if task.name in self.tasks else type(task).__name__
            error = f"{type(exc).__name__}: {exc}"[:2000] if exc is not None else "unknown error"
            try:
                self._in_app(lambda: db.session.add(JobFailure(task=name, args=json.dumps(list(task.args or ())),
                                                               error=error)))
            except Exception:  # noqa: BLE001  (the database may be what failed; the log keeps it)
                log.exception("could not record the failure of job %s", name)

    # -- handing work over ------------------------------------------------------------------

    def deliver(self, message_ids):
        """Queue a delivery job for each message. Never raises: the sweep sends what is not queued."""
        try:
            self.huey  # noqa: B018  (defines the tasks)
            for message_id in message_ids:
                self.tasks["deliver_message"](message_id)
        except Exception:  # noqa: BLE001  (a request must not fail because the job backend is away)
            log.warning("could not queue delivery of outbox messages %s; the next sweep will send them",
                        list(message_ids), exc_info=True)

    def run(self, name, *args):
        """Queue the job ``name`` (one of ``tasks``) with ``args``."""
        self.huey  # noqa: B018  (defines the tasks)
        return self.tasks[name](*args)


def jobs_for(app=None):
    return (app or current_app).extensions[EXTENSION]


def init_jobs(app):
    app.extensions[EXTENSION] = Jobs(app)


# -- new outbox rows are handed to a job once their transaction commits --------------------------

@event.listens_for(Session, "after_flush")
def _collect_new_outbox_rows(session, _flush_context):
    from copractice.notifications.models import OutboxMessage

    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if ids:
        session.info.setdefault(_NEW_OUTBOX, []).extend(ids)


def deliver_after_commit(message_id, session=None):
    """Hand an existing message (put back in the queue by an admin, say) to a job once the session commits."""
    (session or db.session()).info.setdefault(_NEW_OUTBOX, []).append(message_id)


@event.listens_for(Session, "after_commit")
def _hand_over_after_commit(session):
    ids = session.info.pop(_NEW_OUTBOX, None)
    if ids and has_app_context() and EXTENSION in current_app.extensions:
        jobs_for().deliver(ids)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    if not session.in_nested_transaction():
        session.info.pop(_NEW_OUTBOX, None)


# -- the worker ---------------------------------------------------------------------------------

def run_worker(app, workers=2, periodic=True, poll_seconds=None):
    """Run the Huey consumer until stopped (SIGINT: finish the jobs in hand; SIGTERM: at once)."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    jobs = jobs_for(app)
    huey = jobs.huey
    if huey.immediate:
        raise RuntimeError("the job queue is in immediate mode; a worker has nothing to do")
    # Straight away, rather than at the next minute: what a stopped worker left, and what was never queued.
    jobs.run("deliver_due")
    consumer = huey.create_consumer(
        workers=workers, worker_type="thread", periodic=periodic, initial_delay=0.05,
        max_delay=poll_seconds if poll_seconds is not None else app.config["JOBS_POLL_SECONDS"],
        check_worker_health=True)
    consumer.run()


# -- what admins see and do (/admin/email) ------------------------------------------------------

def failed_jobs():
    """Jobs that failed after their last retry and were not tried again, newest first."""
    return db.session.scalars(
        select(JobFailure).where(JobFailure.retried_at.is_(None)).order_by(JobFailure.id.desc())
    ).all()


def retry_job(actor, failure):
    """Queue a failed job again (the caller commits). False when it was already retried or is unknown."""
    from copractice.audit import audit

    jobs = jobs_for()
    jobs.huey  # noqa: B018  (defines the tasks)
    if failure.retried_at is not None or failure.task not in jobs.tasks:
        return False
    jobs.run(failure.task, *json.loads(failure.args or "[]"))  # first: if the queue is down, nothing is written
    failure.retried_at = utcnow()
    audit(actor, "job.retried", "job_failure", failure.id, failure.task, None, {"retried": True})
    return True
