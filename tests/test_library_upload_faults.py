"""Uploads under real faults (issue 11, point 9): a clear page, no partial file, nothing in the database;
and an over-large body refused with 413 promptly by the development server and by gunicorn.

The faults are real ones made by the operating system, not mocks:
- a folder that cannot exist (the upload folder lies under a regular file: ENOTDIR, even for root);
- a file that cannot grow, in a real ``copractice run`` server whose file-size limit (RLIMIT_FSIZE) is
  below the upload (EFBIG, the same path as a full disk, and it works in CI as root);
- a genuinely full disk: a 256 KB tmpfs mounted in a private mount namespace (``unshare``), skipped
  where the system does not allow one.
"""
import contextlib
import io
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from copractice.extensions import db
from copractice.library.models import Resource, ResourceFile
from tests import library_files as files
from tests.concurrency_helpers import ROOT, Browser, Gunicorn
from tests.conftest import AuthActions, create_member, csrf_from, free_port

MESSAGE = "We could not save the file; nothing was changed"
COPRACTICE = Path(sys.executable).with_name("copractice")


def big_pdf(size):
    return files.pdf("A long report") + b"\n%" + b"0" * size  # still a PDF by its first bytes


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(Resource.id))),
                db.session.scalar(select(func.count(ResourceFile.id))))


def every_file(root):
    return sorted(str(Path(d, f)) for d, _, fs in os.walk(root) for f in fs)


def resource_form(token, data, filename="report.pdf", **fields):
    return {"csrf_token": token, "title": "Annual report", "summary": "What we did.", "type": "guide",
            "themes": "cross-cutting", "visibility": "public", "status": "published",
            "file": (io.BytesIO(data), filename), **fields}


# -- in the test client: a folder that cannot be made ---------------------------------------------------------

@pytest.fixture
def curator(app, tmp_path):
    """A curator's client, on a site whose upload folder lies under a regular file."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a regular file where the upload folder's parent should be")
    app.config["UPLOAD_FOLDER"] = str(blocker / "uploads")
    client = app.test_client()
    with app.app_context():
        create_member(email="curator@example.org", role="theme_lead", themes=("cross-cutting",))
    assert AuthActions(client).login("curator@example.org").status_code == 302
    return client


def test_a_folder_that_cannot_be_written_gives_a_clear_form_error_and_changes_nothing(app, curator, tmp_path):
    token = csrf_from(curator.get("/manage/resources/new").get_data(as_text=True))
    response = curator.post("/manage/resources/new", data=resource_form(token, files.pdf()),
                            content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert MESSAGE in page and "There is a problem" in page  # beside the field, and in the summary
    assert counts(app) == (0, 0)
    assert every_file(tmp_path) == [str(tmp_path / "not-a-folder")]


def test_a_new_version_that_cannot_be_stored_leaves_the_resource_as_it_was(app, curator):
    from copractice.library.uploads import check_upload
    from tests.test_library import Upload, add

    blocked = app.config["UPLOAD_FOLDER"]
    working = Path(blocked).parent.parent / "working-uploads"
    app.config["UPLOAD_FOLDER"] = str(working)
    with app.test_request_context():
        item = add(upload=check_upload(Upload(files.pdf(), "guide.pdf")))
        item_id, title = item.id, item.title
    app.config["UPLOAD_FOLDER"] = blocked
    token = csrf_from(curator.get(f"/manage/resources/{item_id}/edit").get_data(as_text=True))
    response = curator.post(f"/manage/resources/{item_id}/edit", content_type="multipart/form-data",
                            data=resource_form(token, files.pdf("Second edition"), title="A new title"))
    assert response.status_code == 200 and MESSAGE in response.get_data(as_text=True)
    assert counts(app) == (1, 1)
    with app.app_context():
        assert db.session.get(Resource, item_id).title == title
    assert len(every_file(working)) == 1


# -- a real server, with the faults the operating system makes ----------------------------------------------------

class DevServer:
    """``copractice run`` (Werkzeug's development server, as ``make run`` starts it) on a free port."""

    def __init__(self, env, log_path, *, file_size_limit=None, prefix=()):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path

        def limit():
            if file_size_limit is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_limit, file_size_limit))

        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [*prefix, str(COPRACTICE), "run", "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=limit)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"copractice run exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise AssertionError(f"copractice run did not answer within 30s:\n{self.log()}")

    def log(self):
        return Path(self.log_path).read_text(errors="replace")[-5000:]

    def stop(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, 9)
        self.process.wait(timeout=10)


def server_env(database_url, smtp_server, upload_folder, **extra):
    return {"COPRACTICE_ENV": "testing", "COPRACTICE_DATABASE_URL": database_url,
            "COPRACTICE_SECRET_KEY": "test-secret-key", "COPRACTICE_MAIL_PORT": str(smtp_server.port),
            "COPRACTICE_UPLOAD_FOLDER": str(upload_folder), **extra}


def upload_through(server, app, data):
    """Sign in as a curator through the server and upload ``data`` as a new resource; the page's status and text."""
    with app.app_context():
        create_member(email="server-curator@example.org", role="theme_lead", themes=("cross-cutting",))
    browser = Browser(server.url)
    _, _, login_page = browser.get("/login")
    status, _, _ = browser.post("/login", {"csrf_token": csrf_from(login_page),
                                           "email": "server-curator@example.org", "password": "correct horse battery"})
    assert status == 302, server.log()
    _, _, page = browser.get("/manage/resources/new")
    fields = {k: v for k, v in resource_form(csrf_from(page), data).items() if k != "file"}
    boundary = "copracticefaultboundary"
    body = b"".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n".encode()
                    for k, v in fields.items())
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"report.pdf\"\r\n"
             "Content-Type: application/pdf\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(server.url + "/manage/resources/new", data=body, headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with browser.opener.open(request, timeout=60) as response:
        return response.status, response.read().decode()


def test_a_file_that_cannot_grow_on_a_real_server_gives_the_page_and_leaves_nothing(
        app, database_url, smtp_server, tmp_path):
    uploads = tmp_path / "server-uploads"
    with app.app_context():
        if db.engine.dialect.name == "sqlite":  # the server appends to an empty write-ahead log, far below the limit
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.engine.dispose()
    # 400 KB stays in memory while the form is read (Werkzeug spools to disk above 500 KB), so the
    # first write to reach the limit is the library's own.
    server = DevServer(server_env(database_url, smtp_server, uploads), tmp_path / "server.log",
                       file_size_limit=300_000)
    try:
        status, page = upload_through(server, app, big_pdf(400_000))
    finally:
        server.stop()
    assert status == 200 and MESSAGE in page, server.log()
    assert counts(app) == (0, 0)
    assert every_file(uploads) == []  # not even the first 300 KB


def _can_mount_tmpfs():
    if not (shutil.which("unshare") and shutil.which("nsenter")):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="this system does not allow a private tmpfs (unshare -rm)")
def test_a_full_disk_on_a_real_server_gives_the_page_and_leaves_nothing(app, database_url, smtp_server, tmp_path):
    uploads = tmp_path / "tiny-disk"
    uploads.mkdir()
    mount = f"mount -t tmpfs -o size=256k tmpfs {uploads} && exec \"$@\""
    server = DevServer(server_env(database_url, smtp_server, uploads), tmp_path / "server.log",
                       prefix=("unshare", "-rm", "sh", "-c", mount, "sh"))
    try:
        status, page = upload_through(server, app, big_pdf(1_000_000))
        # The tiny disk exists only in the server's mount namespace: look at it from there.
        leftover = subprocess.run(["nsenter", "-t", str(server.process.pid), "-m", "-U", "--preserve-credentials",
                                   "find", str(uploads), "-type", "f"], capture_output=True, text=True)
    finally:
        server.stop()
    assert status == 200 and MESSAGE in page, server.log()
    assert counts(app) == (0, 0)
    assert "No space left on device" in server.log()
    assert leftover.returncode == 0, leftover.stderr
    assert leftover.stdout.strip() == ""


# -- an over-large body: 413, promptly ------------------------------------------------------------------------------

def send_big_body(port, size=40 * 1024 * 1024, timeout=30.0):
    """POST ``size`` bytes to a 1 MB limit from another thread; seconds until the status line, and the line."""
    import threading

    head = (f"POST /manage/resources/new HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {size}\r\n\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    started = time.monotonic()

    def push():
        try:
            sock.sendall(head)
            chunk = b"0" * (1024 * 1024)
            for _ in range(size // len(chunk)):
                sock.sendall(chunk)
        except OSError:
            pass  # the server may close once it has answered

    sender = threading.Thread(target=push, daemon=True)
    sender.start()
    try:
        first = sock.makefile("rb").readline()
    except TimeoutError:
        first = b""
    elapsed = time.monotonic() - started
    sock.close()
    sender.join(5)
    return elapsed, first.decode(errors="replace").strip()


@pytest.mark.parametrize("kind", ["copractice run", "gunicorn"])
def test_a_40_mb_body_gets_413_within_seconds(app, database_url, smtp_server, tmp_path, kind):
    env = server_env(database_url, smtp_server, tmp_path / "uploads",
                     COPRACTICE_MAX_CONTENT_LENGTH=json.dumps(1_000_000))
    if kind == "gunicorn":
        server = Gunicorn(free_port(), env, tmp_path / "gunicorn.log", workers=1, threads=2)
        server.wait_until_answering()
        port = int(server.url.rsplit(":", 1)[1])
    else:
        server = DevServer(env, tmp_path / "server.log")
        port = server.port
    try:
        elapsed, status_line = send_big_body(port)
        assert status_line.startswith("HTTP/1.1 413"), (status_line, elapsed, server.log())
        # Bounds with room for a loaded host: a server that waited for the whole body, or hung on it, takes
        # the socket's full 30 s (an empty status line) or answers the next request only after it.
        assert elapsed < 20
        # The server still answers others straight away: no thread is left hanging on the body.
        started = time.monotonic()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=15) as response:
            assert response.status == 200
        assert time.monotonic() - started < 10
    finally:
        server.stop()
