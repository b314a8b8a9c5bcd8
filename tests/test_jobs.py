"""Jobs on Huey (issue 12 point 2): requests only queue work, real workers deliver each message once,
and a worker killed in the middle of sending leaves every message sent at least once and at most once
more, with the same Message-ID. Real parts: a Huey SQLite queue, `copractice worker` processes, aiosmtpd,
and the suite's database (SQLite, or PostgreSQL with COPRACTICE_TEST_DATABASE_URL)."""
import asyncio
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from copractice.extensions import db
from copractice.jobs import JobFailure, failed_jobs, jobs_for
from copractice.notifications.models import OutboxMessage
from tests.conftest import POSTGRES_URL, free_port, post_form
from tests.test_notifications_delivery import HungSmtpServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REGISTRATION = {"name": "Nia Okafor", "email": "nia@example.org", "stakeholder_type": "patient", "area": "kent",
                "password": "long password", "confirm": "long password"}


class RecordingMailbox:
    """Records each message when its DATA arrives; the message with subject ``stall`` is then held
    unanswered (the first time only) until ``release`` is set, like a mail server that hangs. With
    ``hold_first``, the first message is not answered until a second one has arrived (at most 30 s)."""

    def __init__(self, stall=None, pause=0.0, hold_first=False):
        self.messages = []
        self.lock = threading.Lock()
        self.stall = stall
        self.pause = pause
        self.hold_first = hold_first
        self.stalled = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)
            first = len(self.messages) == 1
        if self.hold_first and first:
            deadline = time.monotonic() + 30
            while len(self.messages) < 2 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
        if message["Subject"] == self.stall and not self.stalled.is_set():
            self.stalled.set()
            while not self.release.is_set():
                await asyncio.sleep(0.05)
        elif self.pause:
            await asyncio.sleep(self.pause)
        return "250 OK"


@pytest.fixture
def smtp():
    servers = []

    def start(**options):
        controller = Controller(RecordingMailbox(**options), hostname="127.0.0.1", ready_timeout=30,
                                port=free_port())
        controller.start()
        servers.append(controller)
        return controller

    yield start
    for controller in servers:
        controller.handler.release.set()
        controller.stop()


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A real Redis server of the test's own, on a free port, keeping nothing on disk."""
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path_factory.mktemp("redis"))],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    wait_for(lambda: _answers(client), 20, "redis-server to start")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


def _answers(client):
    try:
        return client.ping()
    except Exception:  # noqa: BLE001  (not up yet)
        return False


@pytest.fixture
def app_settings(tmp_path, request, database_url):
    """The job queue: a SQLite file of the test's own unless the test names a backend."""
    backend = request.getfixturevalue("backend") if "backend" in request.fixturenames else "sqlite"
    if backend == "redis":
        return {"JOBS_URL": request.getfixturevalue("redis_url")}
    if backend == "postgresql":
        if not POSTGRES_URL:
            pytest.skip("needs PostgreSQL (COPRACTICE_TEST_DATABASE_URL)")
        return {"JOBS_URL": database_url}  # huey_* tables in the test's own schema
    return {"JOBS_URL": f"sqlite:///{tmp_path / 'jobs.sqlite3'}"}


@pytest.fixture
def workers(app, tmp_path):
    """start(mail_port, **settings) -> a running `copractice worker` process on the app's job queue."""
    started = []

    def start(mail_port, name, **settings):
        env = dict(os.environ, COPRACTICE_ENV="testing", COPRACTICE_SECRET_KEY="test-secret-key",
                   COPRACTICE_DATABASE_URL=app.config["DATABASE_URL"], COPRACTICE_JOBS_URL=app.config["JOBS_URL"],
                   COPRACTICE_MAIL_SERVER="127.0.0.1", COPRACTICE_MAIL_PORT=str(mail_port),
                   COPRACTICE_BASE_URL=app.config["BASE_URL"], FLASK_APP="copractice")
        env.update({f"COPRACTICE_{key}": str(value) for key, value in settings.items()})
        log_path = tmp_path / f"{name}.log"
        log = open(log_path, "w")  # noqa: SIM115  (the worker writes to it until the test stops it)
        process = subprocess.Popen([sys.executable, "-m", "copractice.cli", "worker", "--workers", "1",
                                    "--poll-seconds", "0.1"], env=env, cwd=ROOT, stdout=log, stderr=log)
        process.log_path = log_path
        process.log_file = log
        started.append(process)
        wait_for(lambda: process.poll() is not None or "consumer started" in log_path.read_text(), 60,
                 f"worker {name} to start")
        assert process.poll() is None, log_path.read_text()
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # finish the job in hand, then stop
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        process.log_file.close()


def wait_for(condition, seconds, what):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def queue_messages(app, subjects):
    """Outbox rows committed the way any operation's are: the commit hands each to a delivery job."""
    with app.app_context():
        for n, subject in enumerate(subjects):
            db.session.add(OutboxMessage(to_address=f"m{n}@example.org", kind="test", subject=subject,
                                         body="b", message_id=f"<m{n}.{subject}@copractice.test>"))
        db.session.commit()


def outbox(app):
    with app.app_context():
        return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


def all_sent(app):
    return all(m.status == "sent" for m in outbox(app))


# -- the web request path queues work and never talks to the mail server ------------------------------

def test_a_request_opens_no_smtp_connection_and_queues_a_delivery_job(app, client, smtp):
    hung = HungSmtpServer()
    try:
        app.config["MAIL_PORT"] = hung.port
        response = post_form(client, "/register", REGISTRATION)
        assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
        assert hung.connections == []  # the request did not even connect
    finally:
        hung.close()
    [message] = outbox(app)
    assert (message.to_address, message.status) == ("nia@example.org", "queued")
    huey = jobs_for(app).huey
    [job] = huey.pending()
    assert (job.name, job.args) == ("deliver_message", (message.id,))

    good = smtp()
    app.config["MAIL_PORT"] = good.port
    huey.execute(huey.dequeue())  # what a worker does with it
    assert [m["To"] for m in good.handler.messages] == ["nia@example.org"]
    assert outbox(app)[0].status == "sent"


@pytest.mark.parametrize("app_settings", [{"JOBS_URL": f"redis://127.0.0.1:{free_port()}/0"}])
def test_a_job_queue_that_cannot_be_reached_never_fails_the_request_and_the_sweep_sends_the_mail(
        app, client, smtp, caplog):
    with caplog.at_level(logging.WARNING, logger="copractice.jobs"):
        response = post_form(client, "/register", REGISTRATION)
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    assert "the next sweep will send them" in caplog.text
    [message] = outbox(app)
    assert message.status == "queued"

    good = smtp()
    app.config["MAIL_PORT"] = good.port
    sweep = jobs_for(app).tasks["deliver_due"]
    sweep.call_local()
    assert [m["To"] for m in good.handler.messages] == ["nia@example.org"]


# -- real workers -------------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", ["sqlite", "redis", "postgresql"])
def test_two_workers_on_one_queue_deliver_each_message_once(backend, app, smtp, workers):
    jobs_for(app).huey.flush()  # a queue shared with earlier tests starts empty
    # The first message is held until a second arrives: each worker sends one message at a time, so the
    # second comes from the other worker however the host schedules them (and the hold is within MAIL_TIMEOUT).
    server = smtp(pause=0.02, hold_first=True)
    first = workers(server.port, "first", MAIL_TIMEOUT=60)
    second = workers(server.port, "second", MAIL_TIMEOUT=60)
    subjects = [f"n{n}" for n in range(40)]
    queue_messages(app, subjects)
    wait_for(lambda: all_sent(app), 60, "every message to be sent")

    received = Counter(m["Subject"] for m in server.handler.messages)
    assert received == Counter(subjects)  # each exactly once
    stored = {m.subject: m.message_id for m in outbox(app)}
    assert all(m["Message-ID"] == stored[m["Subject"]] for m in server.handler.messages)
    for worker in (first, second):  # both took part
        assert "deliver_message" in worker.log_path.read_text() and "executed in" in worker.log_path.read_text()


def test_a_worker_killed_while_sending_leaves_each_message_sent_once_or_once_more_with_one_message_id(
        app, smtp, workers):
    server = smtp(stall="stall")
    settings = {"MAIL_TIMEOUT": 60, "MAIL_CLAIM_TIMEOUT": 1}
    doomed = workers(server.port, "doomed", **settings)
    subjects = ["one", "two", "stall", "four", "five"]
    queue_messages(app, subjects)
    assert server.handler.stalled.wait(30), doomed.log_path.read_text()
    os.kill(doomed.pid, signal.SIGKILL)  # in the middle of sending "stall": no chance to mark it
    doomed.wait(10)
    server.handler.release.set()
    with app.app_context():
        stuck = db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject == "stall"))
        assert stuck.status == "sending"

    time.sleep(1.2)  # the dead worker's claim is now older than MAIL_CLAIM_TIMEOUT
    workers(server.port, "next", **settings)
    wait_for(lambda: all_sent(app), 60, "every message to be sent")

    received = Counter(m["Subject"] for m in server.handler.messages)
    assert set(received) == set(subjects)
    assert all(1 <= count <= 2 for count in received.values()), received
    assert received["stall"] == 2  # the copy the killed worker had sent, and the one sent again
    stored = {m.subject: m.message_id for m in outbox(app)}
    assert all(m["Message-ID"] == stored[m["Subject"]] for m in server.handler.messages)


# -- failed jobs are listed for admins with a retry button --------------------------------------------

def test_a_job_that_fails_after_its_last_retry_is_listed_and_can_be_tried_again(app, client, auth, make_member):
    make_member(email="admin@example.org", role="admin")
    huey = jobs_for(app).huey
    task = jobs_for(app).tasks["deliver_message"].s(424242)
    task.retries = 0  # the last try

    def broken(message_id, now=None):
        raise RuntimeError("the database went away")

    import copractice.notifications.operations as operations

    original, operations.deliver_one = operations.deliver_one, broken
    try:
        huey.execute(task)
    finally:
        operations.deliver_one = original
    with app.app_context():
        [failure] = failed_jobs()
        assert (failure.task, failure.args) == ("deliver_message", "[424242]")
        assert "the database went away" in failure.error
        failure_id = failure.id

    auth.login("admin@example.org")
    page = client.get("/admin/email").get_data(as_text=True)
    assert "Jobs that failed" in page and "the database went away" in page
    assert huey.pending_count() == 0
    response = post_form(client, f"/admin/email/jobs/{failure_id}/retry", {}, page="/admin/email")
    assert response.status_code == 302
    [job] = huey.pending()
    assert (job.name, job.args) == ("deliver_message", (424242,))
    with app.app_context():
        assert failed_jobs() == []
        assert db.session.get(JobFailure, failure_id).retried_at is not None
    assert "Jobs that failed" not in client.get("/admin/email").get_data(as_text=True)


def test_copractice_check_refuses_a_job_queue_in_one_process_memory(app):
    from copractice.deploycheck import problems

    assert any("JOBS_URL=memory://" in p for p in problems({**app.config, "JOBS_URL": "memory://"}))
    assert not any("JOBS_URL" in p for p in problems({**app.config, "JOBS_URL": None}))


def test_an_email_an_admin_tries_again_is_handed_to_a_worker_at_once(app, client, auth, make_member):
    make_member(email="admin@example.org", role="admin")
    with app.app_context():
        message = OutboxMessage(to_address="rosa@example.org", kind="test", subject="s", body="b",
                                status="failed", attempts=8, last_error="refused")
        db.session.add(message)
        db.session.commit()
        message_id = message.id
    huey = jobs_for(app).huey
    huey.flush()  # the job the new row got when it was written
    auth.login("admin@example.org")
    response = post_form(client, f"/admin/email/{message_id}/retry", {}, page="/admin/email")
    assert response.status_code == 302
    [job] = huey.pending()
    assert (job.name, job.args) == ("deliver_message", (message_id,))


@pytest.mark.parametrize("app_settings", [{"MAIL_RETRY_SECONDS": 60}])
def test_jobs_are_retried_later_and_later(app, monkeypatch, tmp_path):
    app.config["JOBS_URL"] = f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
    huey = jobs_for(app).huey
    queue_messages(app, ["down"])  # queues its job
    app.config["MAIL_PORT"] = free_port()  # nothing listens: the mail server is down
    huey.execute(huey.dequeue())
    [message] = outbox(app)
    assert (message.status, message.attempts) == ("queued", 1)
    [later] = huey.scheduled()  # the job waits as long as the message does: 1 minute, then 2, 4...
    assert later.name == "deliver_message" and abs((later.eta - message.next_attempt_at).total_seconds()) < 1

    import copractice.notifications.operations as operations

    def broken(message_id, now=None):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(operations, "deliver_one", broken)
    huey.flush()
    task = jobs_for(app).tasks["deliver_message"].s(message.id)
    delays = []
    for _ in range(3):  # a job that raises is tried again after 10 s, 20 s, 40 s
        delays.append(task.retry_delay)
        task.eta = None  # its time has come
        huey.execute(task)
        [task] = huey.scheduled()
        huey.flush()
    assert delays == [10, 20, 40] and task.retries == 2


def test_later_issues_add_periodic_jobs_that_run_in_their_own_unit_of_work(app, tmp_path):
    from copractice import create_app
    from copractice.jobs import PERIODIC, periodic
    from tests.conftest import test_settings

    @periodic("weekly_digest", hour="7", minute="0", day_of_week="1")
    def weekly_digest():
        db.session.add(OutboxMessage(to_address="digest@example.org", kind="test", subject="Digest", body="b"))

    other = create_app(test_settings(app.config["DATABASE_URL"], app.config["MAIL_PORT"],
                                     JOBS_URL=f"sqlite:///{tmp_path / 'other.sqlite3'}"))
    try:
        jobs = jobs_for(other)
        jobs.huey  # noqa: B018  (defines the tasks)
        task = jobs.tasks["weekly_digest"]
        assert task.s().validate_datetime(datetime(2026, 12, 7, 7, 0))  # a Monday, 07:00
        assert not task.s().validate_datetime(datetime(2026, 12, 8, 7, 0))
        task.call_local()
        assert [m.subject for m in outbox(app)] == ["Digest"]  # committed by the job
        assert [job.name for job in jobs.huey.pending()] == ["deliver_message"]  # and handed on
    finally:
        PERIODIC.pop("weekly_digest")
        with other.app_context():
            db.engine.dispose()
