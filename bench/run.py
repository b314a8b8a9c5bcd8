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
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
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


def prepare(db, url):
    """Schema, demo data (only the first time), plugins on, and what the pages need. Returns the setup facts."""
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
        marker.write_text(json.dumps({"seconds": round(elapsed, 1), "at": datetime.now(timezone.utc).isoformat(),
                                      "summary": line}))
        log(f"  {line}  (command took {elapsed:.0f} s)")
    else:
        log("  large demo data already present")
    generation = json.loads(marker.read_text()) if marker.exists() else None
    for plugin in PLUGINS:
        subprocess.run([str(BIN / "copractice"), "plugins", "enable", plugin], env=env, check=True, cwd=ROOT,
                       stdout=subprocess.DEVNULL)
    facts = json.loads(subprocess.run([sys.executable, __file__, "--facts"], env=env, check=True, cwd=ROOT,
                                      capture_output=True, text=True).stdout)
    facts["generation"] = generation
    return facts


def facts():
    """(run in a child process with the bench database) ids and addresses the pages need, as JSON."""
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from copractice import create_app
    from copractice.courses.models import Course, Enrolment, Session
    from copractice.demo_large import SHOWCASE_SLUG
    from copractice.extensions import db
    from copractice.members.models import Member
    from copractice.timeutil import now_utc

    app = create_app()
    with app.app_context():
        now = now_utc()
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
        print(json.dumps({
            "calendar_token": trainee.calendar_token, "showcase_id": showcase.id, "showcase_slug": showcase.slug,
            "showcase_enrolled": enrolled, "showcase_sessions": sessions, "register_session_id": held,
            "course_slug": course.slug, "members": count(Member), "courses": count(Course),
        }))


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
        self.logfile = open(DATA / f"gunicorn-{name}.log", "ab")
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
            except (urllib.error.URLError, ConnectionError, socket.timeout):
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


def login(base, email):
    """Log in with a real form POST (CSRF token from the page); return the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(base + "/login", timeout=30).read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    data = urllib.parse.urlencode({"csrf_token": token.group(1), "email": email, "password": PASSWORD}).encode()
    response = opener.open(base + "/login", data=data, timeout=30)
    if "/login" in response.geturl():
        raise RuntimeError(f"could not log in as {email}")
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def fetch(url, cookie=None, timeout=120):
    """(status, bytes, seconds) of one GET, without following redirects."""
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

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


def wrk(url, cookie, duration, connections, threads):
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency", "--timeout", "10s",
               "-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
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
    load = loadavg()
    cpu, db_cpu = server.cpu_seconds(), postgres_cpu_seconds()
    result = wrk(url, cookie, args.duration, args.connections, args.threads)
    # The server is saturated throughout, so these are CPU per completed request.
    cpu, db_cpu = server.cpu_seconds() - cpu, postgres_cpu_seconds() - db_cpu
    server.wait_idle()  # requests wrk left queued in gunicorn finish before the next measurement
    done = max(1, result["requests"])
    result.update({"bytes": size, "single_request_ms": round(singles[2], 1), "first_request_ms": round(first * 1000, 1),
                   "loadavg_before": load,
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
    ]


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
            rows.append({"page": name, "path": path, "kind": "logged in" if who else "anonymous", **result})
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
            "pages": rows, "exports": exports}


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
        f"{'PG ms':>6} {'1 req':>6} {'load':>4}  verdict")
    for row in result["pages"]:
        target = TARGET_SHARE[row["kind"]]
        ok = row["meets_share"] and row["meets_p99"]
        why = [] if ok else (["share"] if not row["meets_share"] else []) + (["p99"] if not row["meets_p99"] else [])
        p50, p99 = (f"{row['p50_ms']:>7.1f}", f"{row['p99_ms']:>7.1f}") if row["requests"] else ("      -",) * 2
        log(f"{row['page'][:44]:<44} {row['requests_per_s']:>7.1f} {p50} {p99} {row['ratio']:>6.1%} {target:>6.0%} "
            f"{row['worker_cpu_ms_per_request']:>6.1f} "
            f"{row['postgres_cpu_ms_per_request'] if postgres else '-':>6} {row['single_request_ms']:>6.1f} "
            f"{row['loadavg_before']:>4.1f}  {'MEETS' if ok else 'misses ' + ' and '.join(why)}")
    for name, e in result["exports"].items():
        log(f"{name:<44} peak RSS {e['peak_rss_mb']:.0f} MB (idle {e['rss_before_mb']:.0f} MB), {e['seconds']} s, "
            f"{e['bytes']:,} bytes: {'MEETS' if e['meets_target'] else 'misses'} < {TARGET_RSS_MB} MB")


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
    parser.add_argument("--facts", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.facts:
        return facts()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: apt-get install wrk (make bench does it)")
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = datetime.now(timezone.utc)
    load_at_start = loadavg()
    if load_at_start > 1.0:
        log(f"note: the load average is {load_at_start:.1f} on {os.cpu_count()} CPUs: other work will lower every figure")
    results = []
    for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        result = run_database(db, args)
        if result:
            results.append(result)
            report(result)
    out = RESULTS / f"{started:%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps({"started": started.isoformat(), "cpus": os.cpu_count(), "loadavg_at_start": load_at_start,
                               "settings": {k: v for k, v in vars(args).items() if k != "facts"},
                               "targets": {"share": TARGET_SHARE, "p99_ms": TARGET_P99_MS, "rss_mb": TARGET_RSS_MB},
                               "results": results}, indent=2))
    log(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
