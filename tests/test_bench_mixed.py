"""The busy-day benchmark's moving parts (bench/run.py --mixed, issue 12 point 5), without wrk: the read mix's
weighted choice and the Lua script that makes it, the writer's pacing, and the writer's real writes over HTTP
against the test app (check-ins, register marks, enrolments, downloads, each with its CSRF token)."""
import importlib.util
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from copractice.attendance.models import AttendanceChange
from copractice.courses import operations as courses
from copractice.courses.models import CourseFacilitator, Enrolment
from copractice.extensions import db
from copractice.library import operations as library
from copractice.library.models import ResourceDownload
from copractice.members.models import Member
from tests.browser.conftest import LiveServer
from tests.conftest import PASSWORD, create_member
from tests.factories_courses import create_course

spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).resolve().parent.parent / "bench" / "run.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

ENTRIES = [
    {"name": "Catalogue", "path": "/courses", "who": None, "weight": 25},
    {"name": "Search", "path": '/courses?q="co-production"&a=b', "who": None, "weight": 10},
    {"name": "My learning", "path": "/learning", "who": "trainee@example.org", "weight": 15},
    {"name": "Register", "path": "/manage/sessions/7/register", "who": "facilitator@example.org", "weight": 6},
]
COOKIES = {"trainee@example.org": "session=trainee", "facilitator@example.org": "session=facilitator"}


def test_the_weighted_choice_gives_each_page_its_share():
    upto = bench.cumulative(e["weight"] for e in ENTRIES)
    assert upto == [25, 35, 50, 56]
    steps = 56_000  # evenly over [0, 56): each page is chosen exactly weight / 56 of the time
    chosen = [bench.pick(upto, i * upto[-1] / steps) for i in range(steps)]
    assert [chosen.count(i) for i in range(len(ENTRIES))] == [e["weight"] * 1000 for e in ENTRIES]
    assert bench.pick(upto, 55.999) == 3


def test_the_default_mix_names_pages_the_benchmark_has_and_adds_up_to_100():
    f = {"course_slug": "c", "showcase_enrolled": 200, "register_session_id": 1, "showcase_sessions": 50,
         "showcase_id": 2, "calendar_token": "t" * 30}
    entries = bench.mix_entries(f)
    assert sum(e["weight"] for e in entries) == 100
    assert {e["who"] for e in entries} == {None, "trainee@example.org", "facilitator@example.org"}


def test_the_lua_script_lists_the_pages_in_order_with_cookies_only_for_members():
    script = bench.lua_script(ENTRIES, COOKIES, seed=3)
    assert 'local paths = {"/courses", "/courses?q=\\"co-production\\"&a=b", "/learning", ' \
           '"/manage/sessions/7/register"}' in script
    assert 'local cookies = {"", "", "session=trainee", "session=facilitator"}' in script
    assert "local upto = {25, 35, 50, 56}" in script and "local total = 56" in script
    assert "math.randomseed(3 + 7919 * (id or 0))" in script
    assert f'["User-Agent"] = "{bench.USER_AGENT}"' in script
    assert 'io.write(string.format("Redirects: %d\\n", count))' in script  # one line wrk() reads back
    for name in ("function setup(thread)", "function init(args)", "function request()", "function response(",
                 "function done("):
        assert name in script
    with pytest.raises(ValueError):
        bench.lua_string("/courses?q=caf\u00e9")
    with pytest.raises(ValueError):
        bench.lua_string("/courses\nX-Injected: 1")


class FakeClock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_the_pacer_spaces_writes_and_skips_those_too_late_instead_of_bursting():
    clock = FakeClock()
    pacer = bench.Pacer(4, slack=1.0, clock=clock)
    assert [pacer.next_due() for _ in range(3)] == [100.0, 100.25, 100.5]
    clock.now = 103.0  # every worker was busy for 2.5 s: the writes due more than 1 s ago are dropped
    assert pacer.next_due() == 102.0 and pacer.missed == 5  # 100.75 ... 101.75 dropped
    pacer.stop()  # 13 came due by 103.0 (100.0 ... 103.0): 4 made, 5 dropped, 4 never taken
    assert pacer.missed == 9 and pacer.next_due() is None
    assert bench.Pacer(0, clock=clock).next_due() is None


@pytest.fixture
def busy_site(app):
    """A small busy day: a session open for check-in now, its facilitator, members, courses and a resource."""
    with app.test_request_context():
        facilitator = create_member(role="facilitator", email="runs@example.org")
        course = create_course(capacity=20, starts_in=-timedelta(minutes=20))
        course.facilitators.append(CourseFacilitator(member_id=facilitator.id))
        checkers = [create_member(email=f"checks{n}@example.org") for n in range(3)]
        others = [create_member(email=f"other{n}@example.org") for n in range(2)]
        for member in checkers + others:
            courses.enrol(member, course)
        roomy = create_course(capacity=10)
        full = create_course(capacity=1)
        courses.enrol(create_member(), full)
        enrollers = [create_member(email=f"joins{n}@example.org") for n in range(2)]
        item = library.save_resource(None, None, themes=["cross-cutting"], audience=[], tags=[], title="A guide",
                                     summary="A guide.", type="guide", status="published", visibility="public",
                                     external_url="https://example.org/guide")
        db.session.commit()
        busy = {"course_slug": course.slug, "session_id": course.sessions[0].id, "facilitator": facilitator.email,
                "checkin_members": [{"id": m.id, "email": m.email} for m in checkers],
                "other_member_ids": [m.id for m in others], "enrol_members": [m.email for m in enrollers],
                "enrol_courses": [full.slug, roomy.slug], "download_slugs": [item.slug]}
    server = LiveServer(app)
    server.start()
    yield server.url, busy
    server.stop()


def test_the_writer_makes_real_writes_at_its_rate(app, busy_site):
    url, busy = busy_site
    pool = bench.WriterPool(url, busy, facilitator_sessions=2, password=PASSWORD)
    idle = bench.Writer(pool, 0).start()
    time.sleep(0.3)
    idle.stop()
    assert idle.records == []

    writer = bench.Writer(pool, 10, threads=4).start()
    started = writer.pacer.start  # the first write is due at once: it counts from the pacer's start
    time.sleep(1.6)
    before_stop = time.monotonic()
    writer.stop()
    after_stop = time.monotonic()
    summary = writer.summary((started, after_stop))
    # 10 a second from the pacer's start: one at once, then one every 0.1 s. A loaded host oversleeps, so what
    # came due is counted from the clock, not from the 1.6 s asked for. Each write that came due was made or
    # counted missed, and none was made beyond the rate.
    came_due_by = lambda moment: int((moment - writer.pacer.start) * 10) + 1  # noqa: E731
    assert came_due_by(before_stop) >= 17, (before_stop - writer.pacer.start)
    assert 1 <= summary["attempts"] <= came_due_by(after_stop), summary
    assert came_due_by(before_stop) <= summary["attempts"] + summary["missed"] <= came_due_by(after_stop), summary
    assert summary["errors"] == 0 and summary["refused"] == 0, summary["problems"]
    downloads = sum(1 for r in writer.records if r[0] == "download" and r[1] == "done")
    # Each kind of write, one after another: a mark (someone checked in is marked absent, so there is always
    # someone to check in) and a check-in, twice, then a download.
    for _ in range(2):
        assert writer._register_mark() == ("done", None)
        assert writer._check_in() == ("done", None)
    assert writer._download() == ("done", None)
    with app.app_context():
        changes = set(db.session.execute(select(AttendanceChange.new_status, AttendanceChange.source)
                                         .where(AttendanceChange.session_id == busy["session_id"])).all())
        assert ("late", "self_checkin") in changes  # (the session began 20 minutes ago)
        assert ("absent", "register") in changes
        assert db.session.scalar(select(func.sum(ResourceDownload.count))) == downloads + 1

    # Enrolment steps go round: enrol (a place, or the waiting list of the full course), then give it up.
    steps = []
    for enroller in list(pool.enrollers.queue):
        browser, plain = enroller["browser"], enroller["browser"].open
        browser.open = lambda path, data=None, plain=plain: steps.append(path.rsplit("/", 1)[1]) or plain(path, data)
    for _ in range(8):  # two steps for each member on each course
        assert writer._enrolment()[0] == "done"
    assert sorted(set(steps)) == ["cancel", "enrol", "leave-waiting-list"] and steps.count("enrol") == 4, steps
    with app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(Enrolment).join(
            Member, Member.id == Enrolment.member_id).where(Member.email.like("joins%")))
        assert rows == 4  # one row for each member and course, moved between states: nothing piles up
