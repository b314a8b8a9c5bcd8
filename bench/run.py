"""Load benchmark: copractice's busiest pages on the large demo data, against a minimal Flask app.

For each database (SQLite file under bench/data/, PostgreSQL database copractice_bench):
bring the schema up to date and create the large demo data unless it is there, serve the app with
gunicorn (2 sync workers on a loopback port), drive each page with wrk, and measure the peak memory
of a worker streaming the big XLSX exports. Prints a table and writes bench/results/<timestamp>.json.

    .venv/bin/python bench/run.py                      # both databases (make bench)
    .venv/bin/python bench/run.py --db sqlite --duration 5

Everything runs on 127.0.0.1 and stops by itself.
"""
import argparse
import contextlib
import http.cookiejar
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DATA = BENCH / "data"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
PASSWORD = "copractice-demo"
PLUGINS = ["dementia", "childrens_mental_health", "social_care"]
DATABASES = {
    "sqlite": "sqlite:///" + str(DATA / "copractice_bench.sqlite3"),
    "postgresql": os.environ.get("BENCH_POSTGRES_URL",
                                 "postgresql+psycopg://copractice:copractice@127.0.0.1:5432/copractice_bench"),
}
# Targets from the issue: share of the reference's requests/s, and the slowest 1% of requests.
TARGET_SHARE = {"anonymous": 0.25, "logged in": 0.15}
TARGET_P99_MS = 150
TARGET_RSS_MB = 300


def log(message):
    print(message, flush=True)


# -- the database ------------------------------------------------------------------------------------------------

def app_env(url, page_cache=True):
    env = dict(os.environ)
    if not page_cache:  # no ETag or shared-cache headers (wrk never revalidates, so pages render either way)
        env["COPRACTICE_HTTP_CACHE_SECONDS"] = "0"
        env["COPRACTICE_CACHE_TYPE"] = "NullCache"  # and no Flask-Caching pieces: what the pages themselves cost
    env.update({
        # Development configuration: production would also need COPRACTICE_SECRET_KEY and COPRACTICE_BASE_URL and
        # secure cookies, which plain-http wrk cannot send back. Debug is off in development too.
        "COPRACTICE_ENV": "development",
        "COPRACTICE_DATABASE_URL": url,
        "COPRACTICE_UPLOAD_FOLDER": str(DATA / "uploads"),
        "PYTHONUNBUFFERED": "1",
    })
    return env


def ensure_postgres_database(url):
    """Create the bench database when it is missing (as the postgres superuser, when we are root)."""
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        psycopg.connect(plain, connect_timeout=5).close()
        return True
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            log(f"  PostgreSQL is not reachable ({exc}); skipping it.")
            return False
    name = urllib.parse.urlsplit(plain).path.lstrip("/")
    owner = urllib.parse.urlsplit(plain).username
    if os.geteuid() != 0 or not shutil.which("runuser"):
        log(f"  Database {name} is missing: create it with  createdb -O {owner} {name}")
        return False
    subprocess.run(["runuser", "-u", "postgres", "--", "createdb", "-O", owner, name], check=True)
    log(f"  created database {name}")
    return True


def start_afresh(db, url):
    """Throw away the bench database (only that one), so the large demo data is generated and timed again."""
    (DATA / f"generation-{db}.json").unlink(missing_ok=True)
    if db == "sqlite":
        for path in DATA.glob("copractice_bench.sqlite3*"):
            path.unlink()
        return
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    name = urllib.parse.urlsplit(plain).path.lstrip("/")
    maintenance = plain.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(maintenance, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    log(f"  dropped database {name}")


def prepare(db, url, busy_day=False):
    """Schema, demo data (only the first time), plugins on, and what the pages need. Returns the setup facts.

    With ``busy_day`` also what the mixed mode's writer needs (busy_day_setup)."""
    env = app_env(url)
    subprocess.run([str(BIN / "copractice"), "db", "upgrade"], env=env, check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started = time.monotonic()
    out = subprocess.run([str(BIN / "copractice"), "demo-data", "--scale", "large"], env=env, check=True, cwd=ROOT,
                         capture_output=True, text=True).stdout
    elapsed = time.monotonic() - started
    marker = DATA / f"generation-{db}.json"
    if "Large demo data ready" in out:
        line = next(x for x in out.splitlines() if x.startswith("Large demo data ready"))
        marker.write_text(json.dumps({"seconds": round(elapsed, 1), "at": datetime.now(UTC).isoformat(),
                                      "summary": line}))
        log(f"  {line}  (command took {elapsed:.0f} s)")
    else:
        log("  large demo data already present")
    if "Large community data ready" in out:  # the community's part (also added to a database made before it)
        line = next(x for x in out.splitlines() if x.startswith("Large community data ready"))
        (DATA / f"generation-community-{db}.json").write_text(json.dumps(
            {"at": datetime.now(UTC).isoformat(), "summary": line}))
        log(f"  {line}")
    generation = json.loads(marker.read_text()) if marker.exists() else None
    for plugin in PLUGINS:
        subprocess.run([str(BIN / "copractice"), "plugins", "enable", plugin], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    facts = json.loads(subprocess.run([sys.executable, __file__, "--facts"] + (["--busy-day"] if busy_day else []),
                                      env=env, check=True, cwd=ROOT, capture_output=True, text=True).stdout)
    facts["generation"] = generation
    return facts


def facts():
    """(run in a child process with the bench database) ids and addresses the pages need, as JSON."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from copractice import create_app
    from copractice.courses.models import Course, Enrolment, Session
    from copractice.extensions import db
    from copractice.members.models import Member
    from copractice.timeutil import utcnow
    from copractice_demo.large import SHOWCASE_SLUG

    app = create_app()
    with app.app_context():
        now = utcnow()
        trainee = db.session.scalar(select(Member).where(Member.email == "trainee@example.org"))
        if not trainee.calendar_token:
            import secrets

            trainee.calendar_token = secrets.token_urlsafe(32)
            db.session.commit()
        showcase = db.session.scalar(select(Course).where(Course.slug == SHOWCASE_SLUG))
        held = db.session.scalar(select(Session.id).where(Session.course_id == showcase.id, Session.starts_at <= now)
                                 .order_by(Session.starts_at.desc()).limit(1))
        # A typical course page: published, sessions to come, a waiting list.
        waiting = select(Enrolment.course_id).where(Enrolment.status == "waiting")
        upcoming = select(Session.course_id).where(Session.starts_at > now)
        course = db.session.scalar(select(Course).where(Course.status == "published", Course.id > showcase.id,
                                                        Course.id.in_(waiting), Course.id.in_(upcoming))
                                   .order_by(Course.id).limit(1))
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        enrolled = db.session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.course_id == showcase.id, Enrolment.status == "enrolled"))
        sessions = db.session.scalar(select(func.count()).select_from(Session).where(Session.course_id == showcase.id))
        busy = busy_day_setup(now, course) if "--busy-day" in sys.argv else None
        sys.path.insert(0, str(BENCH))
        import community_bench

        print(json.dumps({
            "busy_day": busy, "community": community_bench.facts(),
            "calendar_token": trainee.calendar_token, "showcase_id": showcase.id, "showcase_slug": showcase.slug,
            "showcase_enrolled": enrolled, "showcase_sessions": sessions, "register_session_id": held,
            "course_slug": course.slug, "members": count(Member), "courses": count(Course),
        }))


BUSY_SLUG_TITLE = "Busy day drop-in (benchmark)"
BUSY_MEMBERS = 200  # enrolled on the busy-day course; the writer checks in the first CHECKIN_WRITERS of them
CHECKIN_WRITERS = 24
ENROL_WRITERS = 12


def busy_day_setup(now, full):
    """(in the --facts child) What the mixed mode's writer needs, made with the app's own operations the first
    time and kept: a published course run by the facilitator with a session open for check-in now (one more
    session is added when the last has closed), BUSY_MEMBERS members with a place on it, courses to enrol on and
    cancel from (the page mix's full course, where members join and leave the waiting list, and courses with
    places), and public resources whose download is an external link (a 302 that counts the download)."""
    from datetime import timedelta

    from sqlalchemy import exists, select

    from copractice.courses import operations as courses
    from copractice.courses.models import Course, CourseFacilitator, Enrolment, Session
    from copractice.demo import DEMO_MEMBERS
    from copractice.extensions import db
    from copractice.library.models import Resource, ResourceFile
    from copractice.members.models import Member

    admin = db.session.scalar(select(Member).where(Member.email == "admin@example.org"))
    facilitator = db.session.scalar(select(Member).where(Member.email == "facilitator@example.org"))
    course = db.session.scalar(select(Course).where(Course.title == BUSY_SLUG_TITLE))
    if course is None:
        course = courses.save_course(
            admin, title=BUSY_SLUG_TITLE, summary="A drop-in session for the busy-day benchmark.",
            description="Made by bench/run.py --mixed.", theme_slug="cross-cutting", level="introductory",
            format="online", capacity=BUSY_MEMBERS + 50, status="published", facilitators=[(facilitator, False)])
    closes_after = now + timedelta(hours=2)
    session = db.session.scalar(select(Session).where(Session.course_id == course.id, Session.starts_at <= now,
                                                      Session.ends_at >= closes_after)
                                .order_by(Session.starts_at.desc()).limit(1))
    if session is None:  # check-in opens 30 minutes before the start and closes 15 after the end
        session = courses.add_sessions(admin, course, [(now - timedelta(minutes=20), now + timedelta(hours=10))],
                                       online_link="https://meet.example.org/busy-day")[0]
    enrolled = set(db.session.scalars(select(Enrolment.member_id).where(Enrolment.course_id == course.id,
                                                                        Enrolment.status == "enrolled")))
    runs = exists().where(CourseFacilitator.member_id == Member.id)
    demo = [row[0] for row in DEMO_MEMBERS]  # the small demo's people (trainee@example.org's pages are benchmarked)
    candidates = db.session.scalars(
        select(Member).where(Member.active.is_(True), Member.role == "trainee", Member.email.is_not(None),
                             Member.email_verified_at.is_not(None), Member.email.not_in(demo), ~runs)
        .order_by(Member.id).limit(BUSY_MEMBERS + ENROL_WRITERS + 100)).all()
    members = []
    for member in candidates:
        if len(members) == BUSY_MEMBERS:
            break
        if member.id not in enrolled:
            try:
                courses.enrol(member, course, now=now)
            except courses.EnrolmentRefused:
                continue
        members.append(member)
    enrol_members = [m for m in candidates if m not in members][:ENROL_WRITERS]
    # Courses to enrol on: the page mix's course (full: a place in the waiting list) and four with places.
    upcoming = select(Session.course_id).where(Session.starts_at > now + timedelta(days=7))
    pool = db.session.scalars(
        select(Course).where(Course.status == "published", Course.id.in_(upcoming), Course.id != course.id,
                             Course.capacity - Course.places_taken >= 3 * ENROL_WRITERS)
        .order_by(Course.id).limit(40)).all()

    def open_to_all(c):
        try:
            for m in enrol_members:
                courses.check_can_enrol(m, c, now)
        except courses.EnrolmentRefused:
            return False
        return True

    enrol_courses = [c.slug for c in [full] + pool if open_to_all(c)][:5]
    has_file = exists().where(ResourceFile.resource_id == Resource.id)
    downloads = db.session.scalars(
        select(Resource.slug).where(Resource.visibility == "public", Resource.status == "published",
                                    Resource.external_url.is_not(None), ~has_file)
        .order_by(Resource.id).limit(200)).all()
    db.session.commit()
    return {"course_slug": course.slug, "session_id": session.id, "facilitator": facilitator.email,
            "checkin_members": [{"id": m.id, "email": m.email} for m in members[:CHECKIN_WRITERS]],
            "other_member_ids": [m.id for m in members[CHECKIN_WRITERS:]],
            "enrol_members": [m.email for m in enrol_members], "enrol_courses": enrol_courses,
            "download_slugs": downloads}


# -- serving -----------------------------------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on a loopback port; stopped (by its own pid) when the block ends."""

    def __init__(self, app, env, workers=2, chdir=ROOT, name="app"):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        DATA.mkdir(parents=True, exist_ok=True)
        self.logfile = open(DATA / f"gunicorn-{name}.log", "ab")  # noqa: SIM115  (the server writes to it until stop() closes it)
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}", "--chdir",
             str(chdir), "--timeout", "120", "--log-level", "warning", app],
            env=env, cwd=ROOT, stdout=self.logfile, stderr=subprocess.STDOUT)

    def __enter__(self):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.logfile.name}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5) as response:
                    if response.status == 200:
                        return self
            except (TimeoutError, urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not answer within 60 s")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.logfile.close()

    def cpu_seconds(self):
        """CPU time the workers have used so far (user + system)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / ticks

    def wait_idle(self, timeout=120):
        """Wait until requests that wrk left queued in gunicorn are done: a quick page answers quickly again.

        Workers waiting on the database use no CPU, so the probe is a request, served after the queue."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if fetch(self.url + "/", timeout=timeout)[2] < 0.25:
                return
        log("  (the server was still busy after 120 s)")

    def workers(self):
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def postgres_cpu_seconds():
    """CPU time of every PostgreSQL process, with the exited ones (parallel workers) counted in their parent.

    Approximate: it includes whatever else the server did meanwhile."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text_ = stat.read_text()
        except OSError:
            continue
        name, rest = text_.split("(", 1)[1].rsplit(")", 1)
        if name == "postgres":
            fields = rest.split()
            total += sum(int(v) for v in fields[11:15])
    return total / ticks


def peak_rss_mb(pid):
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


# Every request of the benchmark (login, single fetches, wrk) says it is the same browser: Flask-Login
# marks a session "not fresh" when the User-Agent changes under it, as it would for a stolen cookie.
USER_AGENT = "copractice-bench"


class Browser:
    """One visitor: a cookie jar, the bench's User-Agent, and the CSRF token of their session (as a page gives it)."""

    CSRF = (re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'), re.compile(r'value="([^"]+)"[^>]*name="csrf_token"'))

    def __init__(self, base, timeout=60):
        self.base, self.timeout, self.token = base, timeout, None
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.opener.addheaders = [("User-Agent", USER_AGENT)]

    def open(self, path, data=None):
        """(status, text, final address) of a GET, or a POST of ``data`` (with the session's CSRF token) whose
        redirect is followed as a browser would (the next page shows, and so clears, any message)."""
        if data is not None:
            data = urllib.parse.urlencode({"csrf_token": self.token, **data}).encode()
        try:
            with self.opener.open(self.base + path, data=data, timeout=self.timeout) as response:
                text_ = response.read().decode("utf-8", "replace")
                self.keep_token(text_)
                return response.status, text_, response.geturl()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), exc.geturl()

    def keep_token(self, html):
        match = self.CSRF[0].search(html) or self.CSRF[1].search(html)
        if match:
            self.token = match.group(1)

    def login(self, email, password=PASSWORD):
        """A real form POST with the CSRF token of the log-in page."""
        self.open("/login")
        status, _, address = self.open("/login", {"email": email, "password": password})
        if status != 200 or "/login" in address:
            raise RuntimeError(f"could not log in as {email}")
        return self

    def cookie(self):
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)


def login(base, email):
    """Log in with a real form POST (CSRF token from the page); return the Cookie header value."""
    return Browser(base, timeout=30).login(email).cookie()


def fetch(url, cookie=None, timeout=120):
    """(status, bytes, seconds) of one GET, without following redirects."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})})
    started = time.monotonic()
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=timeout) as response:
            size = 0
            while chunk := response.read(65536):
                size += len(chunk)
            return response.status, size, time.monotonic() - started
    except urllib.error.HTTPError as exc:
        return exc.code, 0, time.monotonic() - started


# -- wrk ---------------------------------------------------------------------------------------------------------

UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text_):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text_).groups()
    return float(number) * UNITS[unit]


def wrk(url, cookie, duration, connections, threads, script=None):
    """Run wrk on one address, or with ``script`` (a Lua file that chooses each request) from ``url``."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
               "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    if script:
        command += ["-s", str(script)]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True,
                         timeout=duration + 60).stdout
    result = {"requests_per_s": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    for pct in ("50", "75", "90", "99"):
        match = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        result[f"p{pct}_ms"] = round(_ms(match.group(1)), 2) if match else None
    result["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non_2xx"] = int(bad.group(1)) if bad else 0
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    result["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    redirects = re.search(r"^Redirects: (\d+)", out, re.M)  # printed by the busy day's script
    if redirects:
        result["redirects"] = int(redirects.group(1))
    return result


def loadavg():
    return float(Path("/proc/loadavg").read_text().split()[0])


def measure(server, name, url, cookie, args):
    """Check the page answers 200, warm it up, then run wrk on it (the server idle before each step)."""
    # The first request renders the page (and, in the worker that takes it, compiles its templates); with
    # the page cache on, the ones after it are served from the cache until the data changes.
    status, size, first = fetch(url, cookie)
    if status != 200:
        raise RuntimeError(f"{name}: {url} answered {status}")
    singles = sorted(fetch(url, cookie)[2] * 1000 for _ in range(5))
    if args.warmup:
        wrk(url, cookie, args.warmup, args.connections, args.threads)
        server.wait_idle()
    watch = LoadWatch()
    cpu, db_cpu = server.cpu_seconds(), postgres_cpu_seconds()
    result = wrk(url, cookie, args.duration, args.connections, args.threads)
    watch.during_done()
    # The server is saturated throughout, so these are CPU per completed request.
    cpu, db_cpu = server.cpu_seconds() - cpu, postgres_cpu_seconds() - db_cpu
    server.wait_idle()  # requests wrk left queued in gunicorn finish before the next measurement
    done = max(1, result["requests"])
    result.update({"bytes": size, "single_request_ms": round(singles[2], 1), "first_request_ms": round(first * 1000, 1),
                   **watch.result(),
                   "worker_cpu_ms_per_request": round(cpu * 1000 / done, 1),
                   "postgres_cpu_ms_per_request": round(db_cpu * 1000 / done, 1)})
    return result


# -- the run -----------------------------------------------------------------------------------------------------

def pages(f):
    """(name, path, who) for every page the issue names; who is None for anonymous pages."""
    return [
        ("Home page (floor: no data on it)", "/", None),
        ("Catalogue, page 1", "/courses", None),
        ("Catalogue, filter and search", "/courses?q=co-production&theme=cross-cutting&format=online&has_places=y", None),
        ("Course page", f"/courses/{f['course_slug']}", None),
        ("My learning (trainee)", "/learning", "trainee@example.org"),
        (f"Register, {f['showcase_enrolled']} enrolled (facilitator)",
         f"/manage/sessions/{f['register_session_id']}/register", "facilitator@example.org"),
        (f"Attendance report, {f['showcase_sessions']} sessions x {f['showcase_enrolled']} (facilitator)",
         f"/reports/courses/{f['showcase_id']}", "facilitator@example.org"),
        ("Resource search, two facets", "/resources?q=carers&type=guide&audience=carer", None),
        ("Member iCal feed", f"/calendar/{f['calendar_token']}.ics", None),
    ] + _community().pages(f)


def _community():
    """bench/community_bench.py: the community's pages and its poster (imported from here, next to this file)."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    import community_bench

    return community_bench


def reference(args):
    with Server("reference_app:app", dict(os.environ), chdir=BENCH, name="reference") as server:
        return measure(server, "reference", server.url + "/", None, args)


def export_memory(env, cookie, f):
    """Peak RSS of a fresh single-worker server while it builds each XLSX export."""
    results = {}
    for name, path in [(f"Course report XLSX ({f['showcase_sessions']} x {f['showcase_enrolled']})",
                        f"/reports/courses/{f['showcase_id']}?format=xlsx"),
                       ("Overview report XLSX (whole region)", "/reports?format=xlsx")]:
        with Server("copractice:create_app()", env, workers=1, name="export") as server:
            worker = server.workers()[0]
            fetch(server.url + "/courses", cookie)
            before = peak_rss_mb(worker)
            status, size, seconds = fetch(server.url + path, cookie)
            after = peak_rss_mb(worker)
        results[name] = {"status": status, "bytes": size, "seconds": round(seconds, 2),
                         "rss_before_mb": round(before, 1), "peak_rss_mb": round(after, 1),
                         "meets_target": status == 200 and after < TARGET_RSS_MB}
    return results


def run_database(db, args):
    url = DATABASES[db]
    log(f"\n== {db}: {url}")
    if args.fresh:
        start_afresh(db, url)
    if db == "postgresql" and not ensure_postgres_database(url):
        return None
    f = prepare(db, url)
    env = app_env(url, page_cache=args.page_cache == "on")
    log(f"  page cache {args.page_cache}")
    log("  reference app ...")
    ref_before = reference(args)
    rows = []
    with Server("copractice:create_app()", env, name=db) as server:
        cookies = {who: login(server.url, who) for who in ("trainee@example.org", "facilitator@example.org",
                                                            "admin@example.org")}
        for name, path, who in pages(f):
            if args.only and not any(part.lower() in name.lower() for part in args.only.split(",")):
                continue
            log(f"  {name} ...")
            result = measure(server, name, server.url + path, cookies.get(who), args)
            rows.append({"page": name, "path": path, "who": who, "kind": "logged in" if who else "anonymous",
                         **result})
        posting = None
        if args.community_posting and f.get("community"):
            posting = _measure_while_posting(server, f, cookies, args, rows)
    ref_after = reference(args)
    ref_rps = (ref_before["requests_per_s"] + ref_after["requests_per_s"]) / 2
    for row in rows:
        row["ratio"] = round(row["requests_per_s"] / ref_rps, 3)
        row["meets_share"] = row["ratio"] >= TARGET_SHARE[row["kind"]]
        row["meets_p99"] = (row["requests"] > 0 and row["p99_ms"] is not None and row["p99_ms"] < TARGET_P99_MS
                            and not row["non_2xx"])
    exports = {}
    if not args.only:
        log("  export memory ...")
        exports = export_memory(env, cookies["admin@example.org"], f)
    return {"database": db, "page_cache": args.page_cache, "setup": f, "reference": {"before": ref_before, "after": ref_after,
                                                       "requests_per_s": round(ref_rps, 1)},
            "pages": rows, "exports": exports, "community_posting": posting}


def _measure_while_posting(server, f, cookies, args, rows):
    """The pages measured above again while members reply through the site at --community-posting a second
    (bench/community_bench.py); the rows are added with "while posting" in their names. Returns the poster's
    summary over the measured time."""
    poster = _community().Poster(server.url, f["community"], args.community_posting, Browser, Pacer, PASSWORD)
    log(f"  posting {args.community_posting} replies a second through the site while measuring again ...")
    poster.start()
    time.sleep(1)
    started = time.monotonic()
    try:
        for row in list(rows):
            log(f"  {row['page']} (while posting) ...")
            result = measure(server, row["page"], server.url + row["path"], cookies.get(row["who"]), args)
            rows.append({**row, **result, "page": f"{row['page']} - while posting {args.community_posting}/s",
                         "while_posting": args.community_posting})
    finally:
        ended = time.monotonic()
        poster.stop()
    summary = poster.summary((started, ended))
    log(f"  poster: {summary}")
    return summary


def report(result):
    ref = result["reference"]
    log(f"\n{result['database']}, page cache {result['page_cache']}: reference {ref['requests_per_s']:.0f} req/s "
        f"(p50 {ref['before']['p50_ms']} ms, p99 {ref['before']['p99_ms']} ms before; "
        f"{ref['after']['requests_per_s']:.0f} req/s after)")
    if result["setup"].get("generation"):
        log(f"large demo data generated in {result['setup']['generation']['seconds']} s")
    log(f"reference: {ref['before']['worker_cpu_ms_per_request']} ms of worker CPU per request; "
        f"load average {ref['before']['loadavg_before']} before it")
    postgres = result["database"] == "postgresql"
    log(f"{'page':<44} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'ratio':>6} {'target':>6} {'CPU ms':>6} "
        f"{'PG ms':>6} {'1 req':>6} {'load':>4} {'steal':>5}  verdict")
    for row in result["pages"]:
        target = TARGET_SHARE[row["kind"]]
        ok = row["meets_share"] and row["meets_p99"]
        why = [] if ok else (["share"] if not row["meets_share"] else []) + (["p99"] if not row["meets_p99"] else [])
        p50, p99 = (f"{row['p50_ms']:>7.1f}", f"{row['p99_ms']:>7.1f}") if row["requests"] else ("      -",) * 2
        log(f"{row['page'][:44]:<44} {row['requests_per_s']:>7.1f} {p50} {p99} {row['ratio']:>6.1%} {target:>6.0%} "
            f"{row['worker_cpu_ms_per_request']:>6.1f} "
            f"{row['postgres_cpu_ms_per_request'] if postgres else '-':>6} {row['single_request_ms']:>6.1f} "
            f"{row['loadavg_before']:>4.1f} {row['cpu_steal']:>5.1%}  "
            f"{'MEETS' if ok else 'misses ' + ' and '.join(why)}")
    if result.get("community_posting"):
        p = result["community_posting"]
        log(f"replies posted while measuring: {p['achieved_per_s']}/s of {p['target_per_s']}/s ({p['replies']} replies, "
            f"{p['error']} errors, {p['refused']} refused, {p['missed']} missed; p50 {p['p50_ms']} ms, p99 {p['p99_ms']} ms)")
    for name, e in result["exports"].items():
        log(f"{name:<44} peak RSS {e['peak_rss_mb']:.0f} MB (idle {e['rss_before_mb']:.0f} MB), {e['seconds']} s, "
            f"{e['bytes']:,} bytes: {'MEETS' if e['meets_target'] else 'misses'} < {TARGET_RSS_MB} MB")


# -- the busy day (--mixed) --------------------------------------------------------------------------------------
#
# Readers on a weighted mix of pages (wrk, one Lua script choosing each request) while a writer does real writes
# over HTTP at a fixed rate, for each write rate and each way of caching. bench/README.md, "The busy day".

# The read mix: (page name in pages(), weight). The weights are shares of the requests, out of 100: mostly
# visitors browsing, some members looking at their own pages, a few organisers at their registers and reports.
MIX_WEIGHTS = [
    ("Catalogue, page 1", 25),
    ("Catalogue, filter and search", 10),
    ("Course page", 20),
    ("Resource search, two facets", 10),
    ("Member iCal feed", 10),
    ("My learning (trainee)", 15),
    ("Register", 6),
    ("Attendance report", 4),
]
WRITE_RATES = (0, 1, 5, 20)
CACHE_MODES = ("off", "on", "nginx")  # nginx: caching on, with docs/deployment.md's micro-cache in front
TARGET_MIX_RATE = 5  # writes/s at which the mixed targets apply (caching on)
WRITE_KINDS = ("check-in", "register mark", "enrolment", "download")
DOCS_DEPLOYMENT = ROOT / "docs" / "deployment.md"


def mix_entries(f):
    """[{name, path, who, weight}] of the read mix, from the benchmark's pages."""
    known = pages(f)
    entries = []
    for name, weight in MIX_WEIGHTS:
        page, path, who = next(p for p in known if p[0].startswith(name))
        entries.append({"name": page, "path": path, "who": who, "weight": weight})
    return entries


def cumulative(weights):
    total, upto = 0, []
    for weight in weights:
        total += weight
        upto.append(total)
    return upto


def pick(upto, r):
    """The index a number r in [0, total) chooses: what the Lua script's pick() does, for the tests."""
    for index, bound in enumerate(upto):
        if r < bound:
            return index
    return len(upto) - 1


def lua_string(value):
    if not all(32 <= ord(ch) < 127 for ch in value):
        raise ValueError(f"not plain printable ASCII: {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lua_script(entries, cookies, seed=12):
    """A wrk script: each request is one of ``entries``, chosen by weight, with its role's session cookie."""
    upto = cumulative(e["weight"] for e in entries)
    paths = ", ".join(lua_string(e["path"]) for e in entries)
    cookie_list = ", ".join(lua_string(cookies.get(e["who"], "") if e["who"] else "") for e in entries)
    names = "\n".join(f"--   {i + 1}. {e['name']} ({e['weight']}): {e['path']}" for i, e in enumerate(entries))
    return f"""-- Made by bench/run.py --mixed: the busy day's read mix. Requests, by weight:
{names}
local paths = {{{paths}}}
local cookies = {{{cookie_list}}}
local upto = {{{", ".join(map(str, upto))}}}
local total = {upto[-1]}
local requests = {{}}
local threads = {{}}

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

function init(args)
  redirects = 0
  math.randomseed({seed} + 7919 * (id or 0))
  for i, path in ipairs(paths) do
    local headers = {{["User-Agent"] = {lua_string(USER_AGENT)}}}
    if cookies[i] ~= "" then headers["Cookie"] = cookies[i] end
    requests[i] = wrk.format("GET", path, headers)
  end
end

function pick(r)
  for i = 1, #upto do
    if r < upto[i] then return i end
  end
  return #upto
end

function request()
  return requests[pick(math.random() * total)]
end

-- wrk counts a redirect as a success: a member's page that sent us to the log-in page would pass unseen.
function response(status, headers, body)
  if status >= 300 and status < 400 then redirects = redirects + 1 end
end

function done(summary, latency, requests)
  local count = 0
  for _, thread in ipairs(threads) do count = count + thread:get("redirects") end
  io.write(string.format("Redirects: %d\\n", count))
end
"""


class Pacer:
    """Hands out the times writes are due, at ``rate`` a second from ``start``. A write more than ``slack``
    seconds overdue is skipped and counted as missed: a slow server gets fewer writes, never a burst to catch up."""

    def __init__(self, rate, slack=1.0, clock=time.monotonic):
        self.rate, self.slack, self.clock = rate, slack, clock
        self.start = clock()
        self.issued = self.missed = 0
        self.stopped = threading.Event()
        self.lock = threading.Lock()

    def next_due(self):
        """When the next write is due, or None once stopped (or at rate 0)."""
        if self.rate <= 0:
            return None
        with self.lock:
            while not self.stopped.is_set():
                due = self.start + self.issued / self.rate
                self.issued += 1
                if self.clock() - due <= self.slack:
                    return due
                self.missed += 1
        return None

    def wait(self, due):
        """Sleep until ``due``; False when stopped meanwhile. A write that came due while its thread was still
        waking (a loaded host) and was then stopped is counted missed: it was due and not made."""
        if not self.stopped.wait(max(0.0, due - self.clock())):
            return True
        if self.clock() >= due:
            with self.lock:
                self.missed += 1
        return False

    def stop(self):
        self.stopped.set()
        with self.lock:  # writes that came due but were never started (every worker busy) are missed too
            due = int((self.clock() - self.start) * self.rate) + 1 if self.rate > 0 else 0
            self.missed += max(0, due - self.issued)


def percentile(values, share):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class WriterPool:
    """The logged-in people the writer acts as (logged in once per server, kept across write rates): the
    facilitator (several sessions, for register marks and the check-in code), members of the busy-day course
    (self check-ins) and members who enrol on and leave other courses."""

    def __init__(self, base, busy, facilitator_sessions=8, password=PASSWORD):
        self.base, self.busy = base, busy
        self.facilitators = queue.Queue()
        for _ in range(facilitator_sessions):
            self.facilitators.put(Browser(base).login(busy["facilitator"], password))
        self.absent = queue.Queue()  # busy-day members ready to check in
        self.present = queue.Queue()  # (member id) checked in: the facilitator marks them absent, so they can again
        for member in busy["checkin_members"]:
            self.absent.put((member["id"], Browser(base).login(member["email"], password)))
        self.enrollers = queue.Queue()
        for number, email in enumerate(busy["enrol_members"]):
            self.enrollers.put({"browser": Browser(base).login(email, password), "turn": number, "state": {}})
        self.others = busy["other_member_ids"]  # marked present or absent in turn when nobody is waiting
        self.other_turn = 0
        self.code, self.code_at = None, 0.0
        self.lock = threading.Lock()
        self.download_turn = 0

    def checkin_code(self, facilitator):
        """The code on the room's screen (the facilitator's check-in page asks for it every so often)."""
        with self.lock:
            if self.code and time.monotonic() - self.code_at < 20:
                return self.code
        status, body, _ = facilitator.open(f"/manage/sessions/{self.busy['session_id']}/check-in.json")
        if status != 200:
            raise RuntimeError(f"the check-in code answered {status}")
        with self.lock:
            self.code, self.code_at = json.loads(body)["code"], time.monotonic()
            return self.code


def _outcome(status, body, wanted=200):
    if status != wanted:
        return "error", f"HTTP {status}"
    if "banner--error" in body:
        return "refused", re.sub(r"<[^>]+>", "", body.split("banner--error", 1)[1][:300]).strip()[:120]
    return "done", None


class Writer:
    """Real writes over HTTP at a fixed rate, in turn: a self check-in (the code from the facilitator's screen),
    a register mark (the facilitator marks someone who checked in absent, so they can check in again), an
    enrolment step (enrol; then cancel the place, leave the waiting list or decline an offer, as the course
    page offers; then enrol again) and a download
    of a public resource (anonymous; a redirect to its web address, which counts the download). Each POST
    carries the session's CSRF token and follows its redirect, as a browser does. At most ``threads`` writes
    are in flight (default twice the rate, at most 16: half the readers): a server slower than the rate gets
    fewer writes (counted as missed), not a queue of them."""

    def __init__(self, pool, rate, threads=None):
        self.pool, self.rate = pool, rate
        self.threads = threads or max(2, min(16, 2 * rate))
        self.pacer = Pacer(rate)
        self.records = []  # (kind, outcome, finished at, seconds, detail)
        self.turn = 0
        self.lock = threading.Lock()
        self.workers = [threading.Thread(target=self._work, daemon=True) for _ in range(self.threads)]

    def start(self):
        for worker in self.workers:
            worker.start()
        return self

    def stop(self):
        self.pacer.stop()
        for worker in self.workers:
            worker.join(timeout=120)

    def _work(self):
        while (due := self.pacer.next_due()) is not None:
            if not self.pacer.wait(due):
                return
            with self.lock:
                kind = WRITE_KINDS[self.turn % len(WRITE_KINDS)]
                self.turn += 1
            started = time.monotonic()
            try:
                outcome, detail = getattr(self, "_" + kind.replace(" ", "_").replace("-", "_"))()
            except Exception as exc:  # a timeout or a refused connection: an error of this write
                outcome, detail = "error", f"{type(exc).__name__}: {exc}"[:120]
            finished = time.monotonic()
            with self.lock:
                self.records.append((kind, outcome, finished, finished - started, detail))

    def _check_in(self):
        try:
            member_id, browser = self.pool.absent.get(timeout=2)
        except queue.Empty:  # all of them checked in and waiting for their mark: nothing to write
            return "unchanged", "every check-in member was busy or checked in"
        outcome = "error"
        try:
            facilitator = self.pool.facilitators.get()
            try:
                code = self.pool.checkin_code(facilitator)
            finally:
                self.pool.facilitators.put(facilitator)
            status, body, _ = browser.open(f"/check-in/{self.pool.busy['session_id']}", {"code": code})
            outcome, detail = _outcome(status, body)
            if outcome == "done" and "You are checked in" not in body:
                outcome, detail = ("unchanged", "already checked in") if "already checked in" in body else (
                    "refused", " ".join(re.sub(r"<[^>]+>", " ", body).split())[:120])
            return outcome, detail
        finally:  # checked in (now or before): the facilitator marks them absent next; otherwise they try again
            (self.pool.present if outcome in ("done", "unchanged") else self.pool.absent).put((member_id, browser))

    def _register_mark(self):
        try:
            member_id, browser = self.pool.present.get_nowait()
            status_, back = "absent", self.pool.absent
        except queue.Empty:  # nobody waiting to be marked absent: mark one of the others present or absent
            with self.pool.lock:
                self.pool.other_turn += 1
                turn = self.pool.other_turn
            member_id, browser, back = self.pool.others[turn % len(self.pool.others)], None, None
            status_ = ("present", "absent")[(turn // len(self.pool.others)) % 2]
        facilitator = self.pool.facilitators.get()
        try:
            # The register is one form: the pressed button is named for the mark and holds the person's id,
            # and their remark box goes with it (as a browser sends it).
            status, body, _ = facilitator.open(
                f"/manage/sessions/{self.pool.busy['session_id']}/register/marks",
                {status_: str(member_id), f"remark-{member_id}": ""})
            return _outcome(status, body)
        finally:
            self.pool.facilitators.put(facilitator)
            if back is not None:
                back.put((member_id, browser))

    def _enrolment(self):
        enroller = self.pool.enrollers.get()
        try:
            courses = self.pool.busy["enrol_courses"]
            slug = courses[enroller["turn"] % len(courses)]
            enroller["turn"] += 1
            step = enroller["state"].get(slug, "enrol")
            status, body, _ = enroller["browser"].open(f"/courses/{slug}/{step}", {})
            outcome, detail = _outcome(status, body)
            if outcome != "error":  # the next step is the one the course page now offers them
                enroller["state"][slug] = next(
                    (action for action in ("cancel", "decline", "leave-waiting-list")
                     if f'/courses/{slug}/{action}"' in body), "enrol")
            if "already have a place or an offer" in body:  # left from an earlier run
                outcome, detail = "unchanged", "already enrolled"
            return outcome, detail
        finally:
            self.pool.enrollers.put(enroller)

    def _download(self):
        with self.pool.lock:
            self.pool.download_turn += 1
            slug = self.pool.busy["download_slugs"][self.pool.download_turn % len(self.pool.busy["download_slugs"])]
        request = urllib.request.Request(f"{self.pool.base}/resources/{slug}/download",
                                         headers={"User-Agent": USER_AGENT})
        try:
            with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
                status, cache = response.status, response.headers.get("X-Cache-Status")
        except urllib.error.HTTPError as exc:
            status, cache = exc.code, exc.headers.get("X-Cache-Status")
        if status not in (200, 302):
            return "error", f"HTTP {status}"
        if cache == "HIT":  # a proxy answered: nothing was counted
            return "unchanged", "served by the proxy's cache"
        return "done", None

    def summary(self, window):
        """What was achieved while the readers were measured (writes finished in ``window``) and overall."""
        start, end = window
        inside = [r for r in self.records if start <= r[2] <= end]
        seconds = max(1e-9, end - start)
        by_kind = {}
        for kind in WRITE_KINDS:
            rows = [r for r in inside if r[0] == kind]
            by_kind[kind] = {outcome: sum(1 for r in rows if r[1] == outcome)
                             for outcome in ("done", "unchanged", "refused", "error")}
        problems = {}
        for record in self.records:
            if record[1] in ("error", "refused") and record[4]:
                problems.setdefault(f"{record[0]}: {record[4]}", 0)
                problems[f"{record[0]}: {record[4]}"] += 1
        done = [r for r in inside if r[1] == "done"]
        latencies = [r[3] * 1000 for r in inside]
        return {"target_per_s": self.rate, "threads": self.threads,
                "achieved_per_s": round(len(done) / seconds, 2), "writes": len(done),
                "attempts": len(inside), "errors": sum(1 for r in inside if r[1] == "error"),
                "refused": sum(1 for r in inside if r[1] == "refused"),
                "unchanged": sum(1 for r in inside if r[1] == "unchanged"),
                "missed": self.pacer.missed, "by_kind": by_kind,
                "whole_run": {outcome: sum(1 for r in self.records if r[1] == outcome)  # warm-up and after too
                              for outcome in ("done", "unchanged", "refused", "error")},
                "p50_ms": round(percentile(latencies, 0.5), 1) if latencies else None,
                "p99_ms": round(percentile(latencies, 0.99), 1) if latencies else None,
                "problems": dict(sorted(problems.items(), key=lambda kv: -kv[1])[:8])}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def cpu_times():
    """The machine's CPU ticks from /proc/stat: (all, steal, idle + iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user
    return sum(fields[:8]), fields[7], fields[3] + fields[4]


class LoadWatch:
    """The load average before, every second during, and after a run, and the CPU steal over it."""

    def __init__(self):
        self.before, self.samples, self.stop = loadavg(), [], threading.Event()
        self.cpu = cpu_times()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()

    def _sample(self):
        while not self.stop.wait(1.0):
            self.samples.append(loadavg())

    def during_done(self):
        self.stop.set()
        self.thread.join()
        total, steal, idle = (b - a for a, b in zip(self.cpu, cpu_times(), strict=True))
        self.steal = steal / total if total else 0.0
        self.busy = 1 - idle / total if total else 0.0

    def result(self):
        return {"loadavg_before": self.before, "loadavg_during_max": max(self.samples, default=self.before),
                "loadavg_during_end": self.samples[-1] if self.samples else self.before,
                "loadavg_after": loadavg(), "cpu_steal": round(self.steal, 4), "cpu_busy": round(self.busy, 3)}


class Nginx:
    """Debian's nginx on a loopback port in front of ``upstream``, with the micro-cache lines of
    docs/deployment.md (as tests/test_nginx_microcache.py runs it): a non-daemon with its own config and cache."""

    def __init__(self, upstream_port):
        self.binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(self.binary):
            raise RuntimeError("nginx is missing: apt-get install nginx-light (make bench does it)")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.dir = DATA / f"nginx-{self.port}"
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir(parents=True)
        path, inside = nginx_cache_directives()
        path = re.sub(r"proxy_cache_path \S+", f"proxy_cache_path {self.dir / 'cache'}", path)
        user = "user root root;" if os.geteuid() == 0 else ""
        (self.dir / "nginx.conf").write_text(f"""{user}
daemon off; worker_processes 1; pid {self.dir}/nginx.pid; error_log {self.dir}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {self.dir}/body; proxy_temp_path {self.dir}/proxy;
    fastcgi_temp_path {self.dir}/fcgi; uwsgi_temp_path {self.dir}/uwsgi; scgi_temp_path {self.dir}/scgi;
    {path}
    server {{
        listen 127.0.0.1:{self.port};
        location / {{
            proxy_pass http://127.0.0.1:{upstream_port};
            proxy_set_header Host $host;
            {' '.join(inside)}
        }}
    }}
}}
""")

    def __enter__(self):
        self.process = subprocess.Popen([self.binary, "-p", str(self.dir), "-c", str(self.dir / "nginx.conf")],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx stopped; see {self.dir / 'error.log'}")
            try:
                with urllib.request.urlopen(self.url + "/", timeout=5):
                    return self
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("nginx did not answer within 20 s")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


class Redis:
    """A throwaway redis-server on a loopback port (no saving to disk), for the cached modes: the shared cache the
    named pieces need with several workers (config.py, PIECES_IN_PROCESS). ``env`` gives the app's settings for it;
    without Debian's redis-server it is None and the pieces are not kept (each worker would need its own)."""

    def __init__(self):
        self.binary = shutil.which("redis-server") or ("/usr/bin/redis-server"
                                                       if os.path.exists("/usr/bin/redis-server") else None)
        self.process, self.port = None, None

    def __enter__(self):
        if self.binary is None:
            return self
        self.port = free_port()
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), timeout=1):
                return self
            time.sleep(0.1)
        raise RuntimeError("redis-server did not answer within 20 s")

    @property
    def env(self):
        if self.port is None:
            return {}
        return {"COPRACTICE_CACHE_TYPE": "RedisCache", "COPRACTICE_CACHE_REDIS_URL": f"redis://127.0.0.1:{self.port}/0"}

    def __exit__(self, *exc):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)


def nginx_cache_directives():
    """The proxy_cache_path line and the location's cache lines of the documented snippet."""
    text_ = DOCS_DEPLOYMENT.read_text()
    block = text_[text_.index("### Micro-caching anonymous pages"):]
    start = block.index("```nginx")
    block = block[start:block.index("```", start + 3)]
    lines = [line.split("#")[0].strip() for line in block.splitlines()]
    path = next(line for line in lines if line.startswith("proxy_cache_path"))
    inside = [line for line in lines if line.startswith(("proxy_cache", "proxy_no_cache", "add_header", "proxy_buffer"))
              and not line.startswith("proxy_cache_path")]
    return path, inside


def mixed_step(server, front, script, pool, rate, args):
    """One write rate: the writer starts, the read mix warms up, then wrk measures it while the writer writes."""
    writer = Writer(pool, rate).start()
    if args.warmup:  # the writer's first writes are under way when the measurement starts
        wrk(front + "/", None, args.warmup, args.connections, args.threads, script=script)
    watch = LoadWatch()
    cpu, db_cpu = server.cpu_seconds(), postgres_cpu_seconds()
    started = time.monotonic()
    reads = wrk(front + "/", None, args.duration, args.connections, args.threads, script=script)
    ended = time.monotonic()
    writer.stop()
    watch.during_done()
    cpu, db_cpu = server.cpu_seconds() - cpu, postgres_cpu_seconds() - db_cpu
    server.wait_idle()
    done = max(1, reads["requests"])
    reads.update({"worker_cpu_ms_per_request": round(cpu * 1000 / done, 1),
                  "postgres_cpu_ms_per_request": round(db_cpu * 1000 / done, 1)})
    return {"write_rate": rate, "reads": reads, "writes": writer.summary((started, ended)), **watch.result()}


def run_mixed(db, args):
    url = DATABASES[db]
    log(f"\n== busy day, {db}: {url}")
    if args.fresh:
        start_afresh(db, url)
    if db == "postgresql" and not ensure_postgres_database(url):
        return None
    f = prepare(db, url, busy_day=True)
    busy = f["busy_day"]
    entries = mix_entries(f)
    rates = [int(r) for r in args.write_rates.split(",")]
    modes = args.cache_modes.split(",")
    log("  reference app ...")
    ref_before = reference(args)
    runs = []
    for mode in modes:
        with (Redis() if mode != "off" else contextlib.nullcontext()) as redis, \
                Server("copractice:create_app()", {**app_env(url, page_cache=mode != "off"),
                                                   **(redis.env if redis else {})}, name=db) as server, \
                (Nginx(server.port) if mode == "nginx" else contextlib.nullcontext()) as proxy:
            front = proxy.url if proxy else server.url
            cookies = {who: login(front, who) for who in {e["who"] for e in entries if e["who"]}}
            script = DATA / f"mix-{db}-{mode}.lua"
            script.write_text(lua_script(entries, cookies))
            for entry in entries:  # every page of the mix answers before the load
                status = fetch(front + entry["path"], cookies.get(entry["who"]))[0]
                if status != 200:
                    raise RuntimeError(f"{entry['name']}: {entry['path']} answered {status}")
            pool = WriterPool(front, busy)
            for rate in rates:
                log(f"  caching {mode}, {rate} writes/s ...")
                step = mixed_step(server, front, script, pool, rate, args)
                runs.append({"caching": mode, "shared_cache": "redis" if redis and redis.port else None, **step})
                log("    " + step_line(step))
    ref_after = reference(args)
    ref_rps = (ref_before["requests_per_s"] + ref_after["requests_per_s"]) / 2
    off = {r["write_rate"]: r["reads"]["requests_per_s"] for r in runs if r["caching"] == "off"}
    for run in runs:
        reads = run["reads"]
        reads["share"] = round(reads["requests_per_s"] / ref_rps, 4)
        run["meets_p99"] = (reads["requests"] > 0 and reads["p99_ms"] is not None and reads["p99_ms"] < TARGET_P99_MS
                            and not reads["non_2xx"] and not reads.get("redirects"))
        run["meets_share"] = reads["share"] >= TARGET_SHARE["anonymous"]
        if run["caching"] != "off" and run["write_rate"] in off:
            run["not_below_cache_off"] = reads["requests_per_s"] >= off[run["write_rate"]]
    return {"database": db, "mode": "mixed", "setup": f, "mix": entries,
            "reference": {"before": ref_before, "after": ref_after, "requests_per_s": round(ref_rps, 1)},
            "runs": runs}


def step_line(step):
    r, w = step["reads"], step["writes"]
    return (f"reads {r['requests_per_s']:.1f} req/s, p50 {r['p50_ms']} ms, p99 {r['p99_ms']} ms, "
            f"non-2xx {r['non_2xx']}, redirects {r.get('redirects')}; "
            f"writes {w['achieved_per_s']}/s of {w['target_per_s']} ({w['writes']} done, {w['errors']} errors, "
            f"{w['refused']} refused, {w['missed']} missed; whole run {w['whole_run']}); "
            f"load {step['loadavg_before']:.1f}/{step['loadavg_during_max']:.1f}/{step['loadavg_after']:.1f}, "
            f"steal {step['cpu_steal']:.1%}")


def report_mixed(result):
    ref = result["reference"]
    log(f"\nBusy day on {result['database']}: reference {ref['requests_per_s']:.0f} req/s. Read mix "
        f"(weights: {', '.join(str(e['weight']) for e in result['mix'])} of 100) under writes.")
    log(f"{'caching':<8} {'writes/s':>8} {'achieved':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
        f"{'share':>6} {'CPU ms':>6} {'load before/during/after':>25} {'steal':>6}  verdict")
    for run in result["runs"]:
        r, w = run["reads"], run["writes"]
        verdict = ""
        if run["caching"] != "off" and run["write_rate"] == TARGET_MIX_RATE:
            misses = [name for name, ok in (("share", run["meets_share"]), ("p99", run["meets_p99"]),
                                            ("below cache off", run.get("not_below_cache_off", True))) if not ok]
            verdict = "MEETS" if not misses else "misses " + ", ".join(misses)
        elif run["caching"] != "off" and run.get("not_below_cache_off") is False:
            verdict = "below cache off"
        load = f"{run['loadavg_before']:.1f}/{run['loadavg_during_max']:.1f}/{run['loadavg_after']:.1f}"
        finished = r["requests"] and r["p99_ms"]
        p50, p99 = (f"{r['p50_ms']:>7.1f}", f"{r['p99_ms']:>7.1f}") if finished else ("      -",) * 2
        log(f"{run['caching']:<8} {run['write_rate']:>8} {w['achieved_per_s']:>8.2f} {w['errors']:>6} "
            f"{r['requests_per_s']:>8.1f} {p50} {p99} {r['share']:>6.1%} "
            f"{r['worker_cpu_ms_per_request']:>6.1f} {load:>25} {run['cpu_steal']:>6.1%}  {verdict}")
    problems = {}
    for run in result["runs"]:
        for problem, count in run["writes"]["problems"].items():
            problems[problem] = problems.get(problem, 0) + count
    for problem, count in sorted(problems.items(), key=lambda kv: -kv[1])[:8]:
        log(f"  writer: {count} x {problem}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per page (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of wrk before each measurement (default 2)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", help="only the pages whose names contain one of these words (comma-separated)")
    parser.add_argument("--page-cache", choices=["on", "off"], default="on",
                        help="off: no ETag, shared-cache Cache-Control or Flask-Caching (HTTP_CACHE_SECONDS=0, CACHE_TYPE=NullCache)")
    parser.add_argument("--fresh", action="store_true",
                        help="drop the bench databases first, so the large demo data is generated (and timed) again")
    parser.add_argument("--mixed", action="store_true",
                        help="the busy day: a weighted read mix while a writer writes (bench/README.md)")
    parser.add_argument("--write-rates", default=",".join(map(str, WRITE_RATES)),
                        help="--mixed: writes per second, comma-separated (default 0,1,5,20)")
    parser.add_argument("--cache-modes", default=",".join(CACHE_MODES),
                        help="--mixed: caching off, on, and on with nginx's micro-cache in front (default all three)")
    parser.add_argument("--community-posting", type=int, default=0, metavar="RATE",
                        help="after the pages, measure them again while members reply through the site at RATE a "
                             "second (bench/README.md, \"Community\"; make bench-community uses 5)")
    parser.add_argument("--facts", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--busy-day", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.facts:
        return facts()
    if args.mixed and "nginx" in args.cache_modes.split(",") and not (
            shutil.which("nginx") or os.path.exists("/usr/sbin/nginx")):
        sys.exit("nginx is missing: apt-get install nginx-light (make bench does it), or --cache-modes off,on")
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench does it)")
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    load_at_start = loadavg()
    if load_at_start > 1.0:
        log(f"note: the load average is {load_at_start:.1f} on {os.cpu_count()} CPUs: other work will lower every figure")
    results = []
    for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        result = (run_mixed if args.mixed else run_database)(db, args)
        if result:
            results.append(result)
            (report_mixed if args.mixed else report)(result)
    if args.mixed:
        for result in results:  # the tables again together at the end, cache off first: the headline
            report_mixed(result)
    out = RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"started": started.isoformat(), "cpus": os.cpu_count(), "loadavg_at_start": load_at_start,
                               "settings": {k: v for k, v in vars(args).items() if k not in ("facts", "busy_day")},
                               "targets": {"share": TARGET_SHARE, "p99_ms": TARGET_P99_MS, "rss_mb": TARGET_RSS_MB,
                                           **({"mixed": {"share": TARGET_SHARE["anonymous"], "p99_ms": TARGET_P99_MS,
                                                         "at_writes_per_s": TARGET_MIX_RATE, "caching": "on"}}
                                              if args.mixed else {})},
                               "loadavg_at_end": loadavg(),
                               "results": results}, indent=2))
    log(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
