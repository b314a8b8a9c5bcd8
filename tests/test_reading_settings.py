"""Reading settings (text size, spacing, contrast) are the core's: kept and applied with every plugin switched off."""
import re

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from copractice import create_app
from copractice.extensions import db
from copractice.members.models import Member
from tests.conftest import AuthActions, create_member, drop_isolated, isolated_database_url, post_form, test_settings

ALL_ON = {"text_size": "large", "spacing": "wide", "contrast": "high", "reduced_motion": "y"}
ALL_ON_CLASSES = "reading-text-large reading-spacing-wide reading-contrast-high reading-reduced-motion"


def html_classes(page):
    match = re.search(r'<html lang="en-GB"(?: class="([^"]*)")?>', page)
    assert match, "no <html> element"
    return match.group(1) or ""


@pytest.fixture
def reader(app, client):
    with app.app_context():
        create_member(email="reader@example.org")
    AuthActions(client).login("reader@example.org")
    return client


def stored(app):
    with app.app_context():
        return db.session.scalar(select(Member.reading_settings).where(Member.email == "reader@example.org"))


def test_settings_are_saved_and_change_every_page_with_no_plugin_enabled(app, reader):
    page = reader.get("/account/reading").get_data(as_text=True)
    assert "<h1>Reading settings</h1>" in page and "Text size" in page and "Colours" in page
    assert html_classes(reader.get("/courses").get_data(as_text=True)) == ""
    response = post_form(reader, "/account/reading", ALL_ON)
    assert response.status_code == 302 and response.headers["Location"] == "/account/reading"
    assert stored(app) == {"text_size": "large", "spacing": "wide", "contrast": "high", "reduced_motion": True}
    for path in ("/courses", "/account", "/resources", "/account/reading"):
        assert html_classes(reader.get(path).get_data(as_text=True)) == ALL_ON_CLASSES, path
    form = reader.get("/account/reading").get_data(as_text=True)
    assert re.search(r'<input[^>]*checked[^>]*value="large"|<input[^>]*value="large"[^>]*checked', form)


def test_back_to_standard_removes_the_classes(app, reader):
    post_form(reader, "/account/reading", ALL_ON)
    post_form(reader, "/account/reading", {"text_size": "standard", "spacing": "standard", "contrast": "standard"})
    assert html_classes(reader.get("/courses").get_data(as_text=True)) == ""


def test_the_page_and_the_settings_stay_when_the_dementia_plugin_is_switched_off(app, reader, runner):
    assert runner.invoke(args=["plugins", "enable", "dementia"]).exit_code == 0
    old_address = reader.get("/dementia/reading")
    assert old_address.status_code == 301 and old_address.headers["Location"] == "/account/reading"
    post_form(reader, "/account/reading", {"text_size": "largest", "spacing": "standard", "contrast": "standard"})
    assert runner.invoke(args=["plugins", "disable", "dementia"]).exit_code == 0
    assert reader.get("/account/reading").status_code == 200
    assert html_classes(reader.get("/courses").get_data(as_text=True)) == "reading-text-largest"
    assert 'href="/account/reading"' in reader.get("/account").get_data(as_text=True)


def test_an_unknown_choice_is_refused_beside_its_field_and_nothing_is_saved(app, reader):
    response = post_form(reader, "/account/reading", {**ALL_ON, "text_size": "enormous\x00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "There is a problem" in page and "<title>Error: Reading settings" in page
    assert "Choose a text size." in page
    assert stored(app) is None


def test_visitors_who_are_not_logged_in_get_the_standard_page_and_a_login_prompt(client):
    assert html_classes(client.get("/courses").get_data(as_text=True)) == ""
    assert client.get("/account/reading").headers["Location"].startswith("/login")


def test_erasing_an_account_forgets_its_reading_settings(app, reader):
    post_form(reader, "/account/reading", ALL_ON)
    post_form(reader, "/account/delete", {"password": "correct horse battery", "confirm": "y"})
    with app.app_context():
        assert db.session.scalar(select(Member.reading_settings).where(Member.name == "Former member")) is None


@pytest.fixture
def fresh_url(tmp_path_factory):
    url = isolated_database_url(tmp_path_factory, "reading")
    yield url
    drop_isolated(url)


def test_choices_made_on_the_dementia_page_move_into_the_core(fresh_url):
    """Migration 0012 copies the dementia plugin's reading settings; dementia_0002 retires its table."""
    app = create_app(test_settings(fresh_url, 8025))
    with app.app_context():
        upgrade(revision="dementia_0001")  # the plugin's first revision and the core it needs
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            for n in (1, 2):
                conn.exec_driver_sql(
                    "INSERT INTO member (id, email, name, stakeholder_type, access_needs, role, active, created_at, "
                    f"session_token) VALUES ({n}, 'm{n}@example.org', 'M{n}', 'carer', '[]', 'trainee', true, "
                    f"'2026-01-01', 'token{n}')")
            conn.exec_driver_sql("INSERT INTO dementia_reading_settings (member_id, large_text, reduced_motion, "
                                 "simple_layout) VALUES (1, true, true, true)")
        upgrade(revision="heads")
        with db.engine.connect() as conn:
            from sqlalchemy import inspect

            assert "dementia_reading_settings" not in inspect(conn).get_table_names()
        assert db.session.get(Member, 1).reading_settings == {
            "text_size": "large", "spacing": "wide", "contrast": "standard", "reduced_motion": True}
        assert db.session.get(Member, 2).reading_settings is None
        db.session.rollback()
        downgrade(revision="dementia_0001")  # and back: the plugin's table returns with the choices
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT member_id, large_text, reduced_motion, simple_layout "
                                        "FROM dementia_reading_settings").all()
        assert [tuple(map(int, row)) for row in rows] == [(1, 1, 1, 1)]
        db.session.remove()
        db.engine.dispose()
