"""Helpers for concurrency tests: start many callers at one moment, a real server, and a browser-like client."""
import contextlib
import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from sqlalchemy import func, select

from copractice.courses.models import HOLDS_PLACE, Course, Enrolment
from copractice.extensions import db

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")


def together(calls, *, timeout=60, context=None):
    """Run each callable of ``calls`` in its own thread, all released at one moment by a barrier.

    ``context`` (a function returning a context manager) wraps each thread. Returns the results
    in order; any exception in a thread, or a thread still running after ``timeout`` seconds,
    fails the test.
    """
    barrier = threading.Barrier(len(calls))
    results, errors = [None] * len(calls), []

    def run(index, call):
        try:
            with context() if context else contextlib.nullcontext():
                barrier.wait(timeout=timeout)
                results[index] = call()
        except BaseException as exc:  # noqa: BLE001  (every failure must reach the test)
            errors.append((index, exc))
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i, call), daemon=True) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t for t in threads if t.is_alive()]
    assert not stuck, f"{len(stuck)} of {len(threads)} threads still running after {timeout}s (deadlock?)"
    assert not errors, "threads failed:\n" + "\n".join(f"  #{i}: {type(e).__name__}: {e}" for i, e in errors)
    return results


def at_once(app, calls, *, timeout=60):
    """``together``, each thread in its own application and request context (operations call
    url_for), so with its own database session, as each request of a server would be: it commits
    at its end when the call worked (operations only flush)."""
    @contextlib.contextmanager
    def contexts():
        with app.app_context(), app.test_request_context():
            yield
            db.session.commit()

    return together(calls, timeout=timeout, context=contexts)


def statuses(course_id):
    """{member_id: status} of every enrolment row of the course."""
    return dict(db.session.execute(
        select(Enrolment.member_id, Enrolment.status).where(Enrolment.course_id == course_id)).all())


def assert_places_consistent(course_id):
    """The counter equals the rows holding a place and never passes capacity; returns the course."""
    db.session.expire_all()
    course = db.session.get(Course, course_id)
    holding = db.session.scalar(select(func.count(Enrolment.id)).where(
        Enrolment.course_id == course_id, Enrolment.status.in_(HOLDS_PLACE)))
    assert course.places_taken == holding, f"places_taken {course.places_taken} but {holding} rows hold a place"
    assert 0 <= course.places_taken <= course.capacity
    return course


# -- a real server ------------------------------------------------------------------------------------

class Gunicorn:
    """gunicorn serving create_app() on a port, several worker processes, stopped by stop()."""

    def __init__(self, port, env, log_path, *, workers=3, threads=1):
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        with open(log_path, "wb") as log:  # the server keeps its own copy of the descriptor
            self.process = subprocess.Popen(
                [str(GUNICORN), "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
                 "--graceful-timeout", "1", "--timeout", "60", "copractice:create_app()"],
                cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)

    def wait_until_answering(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited with {self.process.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer within {timeout}s:\n{self.log()}")

    def log(self):
        return Path(self.log_path).read_text(errors="replace")[-5000:]

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # quick shutdown: the test is over
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=10)
        # the master and its workers are a process group of their own: leave none behind
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


class _KeepEveryResponse(urllib.request.HTTPErrorProcessor):
    """Hand back 3xx and 4xx responses as they are: no redirect followed, no exception."""

    def http_response(self, request, response):
        return response

    https_response = http_response


class Browser:
    """One person's browser: its own cookie jar, forms posted with the page's CSRF token."""

    def __init__(self, base_url, timeout=60):
        self.base_url, self.timeout = base_url, timeout
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies),
                                                  _KeepEveryResponse())

    def request(self, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        with self.opener.open(self.base_url + path, data=body, timeout=self.timeout) as response:
            return response.status, response.headers, response.read().decode()

    def get(self, path):
        return self.request(path)

    def post(self, path, data):
        return self.request(path, data)


def csrf_of_form(html, action):
    """The CSRF token inside the form that posts to ``action``."""
    match = re.search(r'<form[^>]*action="' + re.escape(action) + r'"[^>]*>(.*?)</form>', html, re.DOTALL)
    assert match, f"no form posting to {action} on the page"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', match.group(1))
    assert token, f"the form posting to {action} has no CSRF token"
    return token.group(1)
