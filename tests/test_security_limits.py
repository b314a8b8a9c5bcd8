"""Limits that hold behind a proxy and across workers (issue 11, point 8).

ProxyFix from TRUSTED_PROXIES, so each visitor behind nginx has their own address; login limits
count only wrong passwords; check-in codes are limited per member and per session; memory://
with several workers is reported at start and by `copractice check`.
"""
from datetime import timedelta

import pytest

from copractice import create_app
from copractice.attendance import operations as ops
from copractice.courses import operations as course_ops
from copractice.extensions import db
from tests.conftest import PASSWORD, AuthActions, create_member, post_form, test_settings
from tests.factories_courses import create_course


def login_from(app, address, email, password, forwarded=True):
    client = app.test_client()
    environ = {"HTTP_X_FORWARDED_FOR": address, "REMOTE_ADDR": "127.0.0.1"} if forwarded else {"REMOTE_ADDR": address}
    return post_form(client, "/login", {"email": email, "password": password}, environ_base=environ).status_code


@pytest.mark.parametrize("app_settings", [{"TRUSTED_PROXIES": 1, "LOGIN_LIMIT_PER_ADDRESS": "3 per 5 minutes"}])
def test_behind_one_proxy_each_visitor_has_their_own_address(app, make_member):
    make_member(email="pupil@example.org")
    # One visitor behind the proxy guesses until refused ...
    guesses = [login_from(app, "203.0.113.7", f"guess{n}@example.org", "wrong guess") for n in range(5)]
    assert guesses == [200, 200, 200, 429, 429]
    # ... and someone else behind the same proxy is not locked out.
    assert login_from(app, "198.51.100.20", "pupil@example.org", PASSWORD) == 302


@pytest.mark.parametrize("app_settings", [{"LOGIN_LIMIT_PER_ADDRESS": "3 per 5 minutes"}])
def test_without_trusted_proxies_a_forwarded_address_cannot_dodge_the_limit(app):
    statuses = [login_from(app, f"203.0.113.{n}", f"guess{n}@example.org", "wrong guess") for n in range(5)]
    assert statuses == [200, 200, 200, 429, 429]  # all from 127.0.0.1: X-Forwarded-For is not trusted


@pytest.mark.parametrize("app_settings", [{"LOGIN_LIMIT_PER_ADDRESS": "3 per 5 minutes",
                                           "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes"}])
def test_successful_logins_do_not_count(app, make_member):
    """A class logging in together from one address (and one shared account) is never locked out."""
    for n in range(4):
        make_member(email=f"class{n}@example.org")
    statuses = [login_from(app, "10.1.1.1", f"class{n % 4}@example.org", PASSWORD, forwarded=False)
                for n in range(8)]
    assert statuses == [302] * 8
    # Wrong passwords still count, per address ...
    wrong = [login_from(app, "10.1.1.1", f"class{n}@example.org", "wrong guess", forwarded=False) for n in range(4)]
    assert wrong == [200, 200, 200, 429]


@pytest.mark.parametrize("app_settings", [{"LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes"}])
def test_wrong_passwords_count_per_account_and_a_right_one_is_then_refused_too(app, make_member):
    make_member(email="target@example.org")
    wrong = [login_from(app, f"10.2.0.{n}", "target@example.org", "wrong guess", forwarded=False) for n in range(3)]
    assert wrong == [200, 200, 200]
    assert login_from(app, "10.2.0.99", "target@example.org", PASSWORD, forwarded=False) == 429


# -- check-in codes ------------------------------------------------------------------------------------------------

def _open_session(people=1):
    course = create_course(starts_in=timedelta(minutes=5))
    members = [create_member() for _ in range(people)]
    for member in members:
        course_ops.enrol(member, course)
    db.session.commit()
    return course.sessions[0], members


def _wrong(session, now):
    right = set(ops.accepted_codes(session, now))
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in right)


@pytest.mark.parametrize("app_settings", [{"CHECKIN_LIMIT_PER_MEMBER": "4 per 10 minutes"}])
def test_check_in_guesses_are_refused_after_the_member_limit_even_with_the_right_code(app):
    with app.test_request_context():
        session, [member] = _open_session()
        now = session.starts_at
        wrong = _wrong(session, now)
        for _ in range(4):
            with pytest.raises(ops.AttendanceRefused, match="That code is not right"):
                ops.self_check_in(member, wrong, session=session, now=now)
        right = ops.current_checkin_code(session, now)[0]
        with pytest.raises(ops.AttendanceRefused, match="too many wrong codes"):
            ops.self_check_in(member, right, session=session, now=now)
        with pytest.raises(ops.AttendanceRefused, match="too many wrong codes"):
            ops.self_check_in(member, right, now=now)  # the typed-code page too
        assert ops.current_mark(session.id, member.id) is None


@pytest.mark.parametrize("app_settings", [{"CHECKIN_LIMIT_PER_MEMBER": "100 per 10 minutes",
                                           "CHECKIN_LIMIT_PER_SESSION": "6 per 10 minutes"}])
def test_check_in_guesses_are_refused_after_the_session_limit_across_members(app):
    with app.test_request_context():
        session, members = _open_session(people=4)
        now = session.starts_at
        wrong = _wrong(session, now)
        for n in range(6):  # six guesses spread over three accounts
            with pytest.raises(ops.AttendanceRefused, match="That code is not right"):
                ops.self_check_in(members[n % 3], wrong, session=session, now=now)
        right = ops.current_checkin_code(session, now)[0]
        with pytest.raises(ops.AttendanceRefused, match="for this session"):
            ops.self_check_in(members[3], right, session=session, now=now)


@pytest.mark.parametrize("app_settings", [{"CHECKIN_LIMIT_PER_MEMBER": "3 per 10 minutes"}])
def test_check_in_page_says_so_beside_the_field_and_the_right_first_try_costs_nothing(app, client):
    with app.test_request_context():
        session, [member] = _open_session()
        email = member.email
    AuthActions(client).login(email)
    for _ in range(3):
        page = post_form(client, "/check-in", {"code": "000000"}).get_data(as_text=True)
        assert "That code is not right" in page or "checked in" in page
    page = post_form(client, "/check-in", {"code": "000000"}).get_data(as_text=True)
    assert "too many wrong codes" in page and "There is a problem" in page


# -- memory:// with several workers ------------------------------------------------------------------------------

def test_copractice_check_reports_memory_storage_with_two_workers(app, runner):
    result = runner.invoke(args=["check", "--workers", "2"])
    assert result.exit_code != 0
    assert "RATELIMIT_STORAGE_URI=memory://" in result.output and "2 workers" in result.output
    one = runner.invoke(args=["check", "--workers", "1"])
    assert "RATELIMIT_STORAGE_URI=memory://" not in one.output


def test_copractice_check_passes_a_safe_production_setup(database_url, smtp_server, tmp_path):
    safe = create_app(test_settings(database_url, smtp_server.port, ENV_NAME="production", SECRET_KEY="k" * 40,
                                    BASE_URL="https://copractice.example.org", TRUSTED_PROXIES=1,
                                    RATELIMIT_STORAGE_URI="memory://", UPLOAD_FOLDER=str(tmp_path)))
    result = safe.test_cli_runner().invoke(args=["check", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert "No problems found." in result.output
    with safe.app_context():
        db.engine.dispose()


def test_production_with_memory_storage_and_two_workers_warns_loudly_at_start(database_url, smtp_server, tmp_path,
                                                                               capsys, caplog):
    prod = create_app(test_settings(database_url, smtp_server.port, ENV_NAME="production", SECRET_KEY="k" * 40,
                                    BASE_URL="https://copractice.example.org", WORKERS=2,
                                    RATELIMIT_STORAGE_URI="memory://", UPLOAD_FOLDER=str(tmp_path)))
    err = capsys.readouterr().err
    assert "WARNING (copractice)" in err and "2 workers" in err
    assert any("memory://" in record.getMessage() for record in caplog.records)
    with prod.app_context():
        db.engine.dispose()


def test_gunicorn_worker_count_is_read_from_its_command_line():
    from copractice.deploycheck import detect_workers

    assert detect_workers({}, ["/srv/venv/bin/gunicorn", "--workers", "4", "copractice:create_app()"], {}) == 4
    assert detect_workers({}, ["gunicorn", "-w3", "app"], {}) == 3
    assert detect_workers({}, ["gunicorn", "app"], {"WEB_CONCURRENCY": "5"}) == 5
    assert detect_workers({}, ["gunicorn", "app"], {"GUNICORN_CMD_ARGS": "--workers=2"}) == 2
    assert detect_workers({"WORKERS": 6}, ["flask"], {}) == 6
    assert detect_workers({}, ["copractice", "run"], {"WEB_CONCURRENCY": "5"}) == 1
