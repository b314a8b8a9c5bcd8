"""Emailed links never come from the request's Host header (issue 11, point 1).

Every link that leaves the site is built from BASE_URL (copractice.urls.external_url), and production
answers a request for any other Host with 400 (Flask's TRUSTED_HOSTS, derived from BASE_URL).
"""
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from copractice import create_app
from copractice.extensions import db
from copractice.notifications.models import OutboxMessage
from tests.conftest import csrf_from, test_settings

SITE = "https://copractice.example.org"
EMAIL_TEMPLATES = Path(__file__).parent.parent / "copractice" / "templates" / "email"
URL = re.compile(r"https?://[^\s\"'<>]+")


def outbox():
    return db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()


@pytest.fixture
def production(database_url, smtp_server, tmp_path, app, monkeypatch):
    """The production configuration on the suite's (emptied) database."""
    monkeypatch.delenv("COPRACTICE_TRUSTED_HOSTS", raising=False)
    settings = test_settings(database_url, smtp_server.port, ENV_NAME="production", BASE_URL=SITE,
                             SECRET_KEY="x" * 40, UPLOAD_FOLDER=str(tmp_path / "uploads"))
    prod = create_app(settings)
    yield prod
    with prod.app_context():
        db.engine.dispose()


def test_production_refuses_a_forged_host_on_the_reset_form(production, make_member):
    """The attack: ask for an admin's reset link with Host: evil.example (the whole exchange on that host)."""
    make_member(email="admin@example.org", role="admin")
    client = production.test_client()
    evil = "https://evil.example"
    page = client.get("/password/forgot", base_url=evil)
    token = csrf_from(page.get_data(as_text=True)) if page.status_code == 200 else ""
    response = client.post("/password/forgot", base_url=evil, headers={"Referer": evil + "/password/forgot"},
                           data={"csrf_token": token, "email": "admin@example.org"})
    assert response.status_code == 400
    assert "not served at that address" in response.get_data(as_text=True)
    assert page.status_code == 400
    with production.app_context():
        assert outbox() == []  # no reset link was made for the forged request


def test_production_accepts_its_own_host_and_links_use_base_url(production, make_member):
    make_member(email="owner@example.org")
    client = production.test_client()
    page = client.get("/password/forgot", base_url=SITE)
    response = client.post("/password/forgot", base_url=SITE, headers={"Referer": SITE + "/password/forgot"},
                           data={"csrf_token": csrf_from(page.get_data(as_text=True)), "email": "owner@example.org"})
    assert response.status_code == 200
    with production.app_context():
        [message] = outbox()
        assert URL.findall(message.body)[0].startswith(SITE + "/password/reset/")
    assert production.config["TRUSTED_HOSTS"] == ["copractice.example.org"]


@pytest.mark.parametrize("app_settings", [{"BASE_URL": SITE}])
def test_a_forged_host_never_reaches_an_emailed_link(app, client, make_member, mailbox):
    """Even where Host is not checked (testing), links come from BASE_URL, not from the request."""
    make_member(email="known@example.org")
    evil = {"Host": "evil.example"}
    page = client.get("/password/forgot", headers=evil).get_data(as_text=True)
    client.post("/password/forgot", headers=evil, data={"csrf_token": csrf_from(page), "email": "known@example.org"})
    page = client.get("/register", headers=evil).get_data(as_text=True)
    client.post("/register", headers=evil, data={
        "csrf_token": csrf_from(page), "name": "Known Again", "email": "known@example.org",
        "stakeholder_type": "carer", "area": "surrey", "password": "teapot lantern river",
        "confirm": "teapot lantern river"})
    page = client.get("/register", headers=evil).get_data(as_text=True)
    client.post("/register", headers=evil, data={
        "csrf_token": csrf_from(page), "name": "New Person", "email": "new@example.org",
        "stakeholder_type": "carer", "area": "surrey", "password": "teapot lantern river",
        "confirm": "teapot lantern river"})
    with app.app_context():
        messages = outbox()
        kinds = sorted(m.kind for m in messages)
        assert kinds == ["account_exists", "password_reset", "verify_email"]
        links = [url for m in messages for url in URL.findall(m.body)]
    assert len(links) >= 4
    assert all(url.startswith(SITE + "/") for url in links), links
    assert not any("evil.example" in url for url in links)


def test_every_email_template_gets_its_links_from_the_caller():
    """No template builds a link itself (url_for would use the request's host): links are passed in."""
    for template in sorted(EMAIL_TEMPLATES.glob("*.txt")):
        text = template.read_text()
        assert "url_for" not in text and "request." not in text, template.name
        assert not URL.search(text), f"{template.name} has a fixed address"


def test_every_link_in_every_email_the_site_sends_starts_with_base_url(app, make_member, mailbox):
    """Walk the journeys that send mail with links, with a forged Host, and read every message."""
    from datetime import timedelta

    from copractice.courses.reminders import send_reminders
    from tests.conftest import AuthActions
    from tests.factories_courses import create_course

    base = app.config["BASE_URL"]
    make_member(email="first@example.org")
    make_member(email="second@example.org")
    with app.app_context():
        slug = create_course(starts_in=timedelta(hours=47), capacity=1, title="Links course").slug

    def forged_client():
        client = app.test_client()
        client.environ_base["HTTP_HOST"] = "evil.example"  # every request says Host: evil.example
        return client

    def as_member(email):
        client = forged_client()
        assert AuthActions(client).login(email).status_code == 302
        return client

    def post(client, url, data=None):
        token = csrf_from(client.get(f"/courses/{slug}").get_data(as_text=True))
        return client.post(url, data={"csrf_token": token, **(data or {})})

    first, second = as_member("first@example.org"), as_member("second@example.org")
    post(first, f"/courses/{slug}/enrol")  # a place
    post(second, f"/courses/{slug}/enrol")  # the waiting list
    post(first, f"/courses/{slug}/cancel", {"confirm": "y"})  # cancelled; the place is offered on
    post(second, f"/courses/{slug}/accept")  # a place, so a reminder comes
    anonymous = forged_client()
    for email in ("ghost@example.org", "first@example.org"):
        page = anonymous.get("/password/forgot").get_data(as_text=True)
        anonymous.post("/password/forgot", data={"csrf_token": csrf_from(page), "email": email})
    with app.app_context():
        send_reminders()
        rows = outbox()
    kinds = {row.kind for row in rows}
    assert {"enrolled", "waitlist_joined", "place_offered", "password_reset",
            "password_reset_no_account", "session_reminder"} <= kinds, kinds
    for row in rows:
        for url in URL.findall(row.body):
            assert "evil.example" not in url, (row.kind, url)
            if not url.startswith("https://meet.example/"):  # the session's own online meeting link
                assert url.startswith(base + "/"), (row.kind, url)


@pytest.mark.parametrize("app_settings", [{"BASE_URL": "https://site.example/sub"}])
def test_external_url_works_without_a_request_and_keeps_a_path_prefix(app):
    from copractice.urls import external_url

    with app.app_context():
        assert external_url("members.reset_password", token="abc") == "https://site.example/sub/password/reset/abc"
        assert external_url("courses.course", slug="x", _anchor="dates") == "https://site.example/sub/courses/x#dates"
