"""Living with Dementia: profile question, companions, the way in to the core's reading settings, starter content, data rights."""
import pytest
from copractice_dementia.models import Companion
from sqlalchemy import select

from copractice.plugin_api import Course, Member, db
from copractice.testing import AuthActions, create_course, create_member, enrol, post_form, set_profile_answer


@pytest.fixture
def enabled(enable_plugin):
    enable_plugin("dementia")


def living_with(app, email):
    with app.app_context():
        member = create_member(email=email, name="Margaret Hughes")
        set_profile_answer(member, "dementia", "connection", "living_with")
        db.session.commit()
        return member.id


def test_profile_question_on_registration_and_profile(app, client, enabled):
    assert "What is your connection to dementia?" in client.get("/register").get_data(as_text=True)


def test_a_companion_comes_without_taking_a_place_and_is_on_the_register(app, client, enabled):
    member_id = living_with(app, "margaret@example.org")
    with app.test_request_context():
        course = create_course(capacity=1, theme_slug="dementia")
        enrol(db.session.get(Member, member_id), course)
        course_id, session_id = course.id, course.sessions[0].id
        create_member(email="admin@example.org", role="admin")
    AuthActions(client).login("margaret@example.org")
    assert "Bringing someone with you?" in client.get("/account").get_data(as_text=True)
    response = post_form(client, "/dementia/companions", {"course_id": course_id, "name": "David Hughes",
                                                          "relationship": "my husband"})
    assert response.status_code == 302
    with app.app_context():
        course = db.session.get(Course, course_id)
        assert course.places_taken == 1 and course.places_left == 0  # the companion took no place
        assert db.session.scalar(select(Companion.name)) == "David Hughes"
    admin = app.test_client()
    AuthActions(admin).login("admin@example.org")
    register = admin.get(f"/manage/sessions/{session_id}/register").get_data(as_text=True)
    assert "David Hughes – companion of Margaret Hughes" in register


def test_companions_are_only_offered_to_members_living_with_dementia(app, client, enabled):
    with app.app_context():
        create_member(email="carer@example.org")
    AuthActions(client).login("carer@example.org")
    assert "Companion places are for members living with dementia" in client.get("/dementia/companions").get_data(as_text=True)


def test_the_theme_leads_to_the_sites_reading_settings(app, client, enabled):
    """The reading settings are the core's now (tests/test_reading_settings.py); the theme points to them."""
    with app.app_context():
        create_member(email="reader@example.org")
    AuthActions(client).login("reader@example.org")
    account = client.get("/account").get_data(as_text=True)
    assert "Easier reading" in account and '<a href="/account/reading">Reading settings</a>' in account
    moved = client.get("/dementia/reading")
    assert moved.status_code == 301 and moved.headers["Location"] == "/account/reading"
    post_form(client, "/account/reading", {"text_size": "large", "spacing": "standard", "contrast": "standard",
                                          "reduced_motion": "y"})
    page = client.get("/courses").get_data(as_text=True)
    assert '<html lang="en-GB" class="reading-text-large reading-reduced-motion">' in page


def test_starter_course_and_resources_are_seeded_once(app, runner, enabled):
    first = runner.invoke(args=["dementia", "seed"])
    second = runner.invoke(args=["dementia", "seed"])
    assert "3 new items" in first.output and "0 new items" in second.output
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.theme_slug == "dementia"))
        assert course.status == "published" and len(course.sessions) == 3


def test_plugin_data_is_downloaded_and_erased_with_the_account(app, client, enabled):
    member_id = living_with(app, "data@example.org")
    with app.test_request_context():
        course = create_course(theme_slug="dementia")
        enrol(db.session.get(Member, member_id), course)
        db.session.commit()
        course_id = course.id
    AuthActions(client).login("data@example.org")
    post_form(client, "/dementia/companions", {"course_id": course_id, "name": "Sam Friend"})
    data = client.get("/account/data.json").get_json()
    assert data["plugins"]["dementia"]["companions"][0]["name"] == "Sam Friend"
    post_form(client, "/account/delete", {"password": "correct horse battery", "confirm": "y"})
    with app.app_context():
        assert db.session.query(Companion).count() == 0


def test_disabled_plugin_hides_pages_and_keeps_data(app, client, runner, enabled):
    with app.app_context():
        create_member(email="keep@example.org")
    AuthActions(client).login("keep@example.org")
    post_form(client, "/account/reading", {"text_size": "large", "spacing": "standard", "contrast": "standard"})
    runner.invoke(args=["plugins", "disable", "dementia"])
    assert client.get("/dementia/companions").status_code == 404
    page = client.get("/courses").get_data(as_text=True)
    assert "Reading settings" in page and "reading-text-large" in page  # the core's: the theme's switch leaves them
    runner.invoke(args=["plugins", "enable", "dementia"])
    assert "reading-text-large" in client.get("/courses").get_data(as_text=True)


# -- settings (issue 13, point 3): set on /admin/plugins/dementia/settings, read by the plugin's rules -------

def set_dementia(app, **answers):
    """Save the dementia settings page as an admin, the defaults for anything not given."""
    admin = app.test_client()
    with app.app_context():
        create_member(email="settings-admin@example.org", role="admin")
    AuthActions(admin).login("settings-admin@example.org")
    answers = {"companion_places": "all", "reading_text_size": "large", "reading_spacing": "wide", **answers}
    return post_form(admin, "/admin/plugins/dementia/settings", answers)


def test_settings_page_asks_for_companion_places_and_reading_defaults(app, enabled):
    admin = app.test_client()
    with app.app_context():
        create_member(email="a@example.org", role="admin")
    AuthActions(admin).login("a@example.org")
    page = admin.get("/admin/plugins/dementia/settings").get_data(as_text=True)
    assert "Which courses offer companion places?" in page and "Suggested text size" in page
    refused = post_form(admin, "/admin/plugins/dementia/settings", {"companion_places": "some",
                                                                    "reading_text_size": "huge", "reading_spacing": ""})
    assert refused.status_code == 400 and refused.get_data(as_text=True).count("Choose one of the options.") == 6


@pytest.mark.parametrize("offered, shown", [("all", ["Dementia course", "Other course"]), ("theme", ["Dementia course"]),
                                            ("none", [])])
def test_companion_places_setting_decides_which_courses_offer_them(app, client, enabled, offered, shown):
    member_id = living_with(app, "offered@example.org")
    with app.test_request_context():
        member = db.session.get(Member, member_id)
        ids = {}
        for title, theme in (("Dementia course", "dementia"), ("Other course", "cross-cutting")):
            course = create_course(title=title, theme_slug=theme)
            enrol(member, course)
            ids[title] = course.id
        db.session.commit()
    assert set_dementia(app, companion_places=offered).status_code == 302
    AuthActions(client).login("offered@example.org")
    page = client.get("/dementia/companions").get_data(as_text=True)
    for title in ids:
        assert (f"Add my companion<span class=\"visually-hidden\"> to {title}" in page) is (title in shown)
    assert ("Bringing someone with you?" in client.get("/account").get_data(as_text=True)) is bool(shown)
    if "Other course" not in shown:  # not offered: adding one anyway is refused, nothing stored
        post_form(client, "/dementia/companions", {"course_id": ids["Other course"], "name": "Pat"}, page="/account")
        with app.app_context():
            assert db.session.query(Companion).count() == 0


def test_reading_defaults_are_offered_with_one_button(app, client, enabled):
    with app.app_context():
        create_member(email="easier@example.org")
    assert set_dementia(app, reading_text_size="largest", reading_spacing="wide").status_code == 302
    AuthActions(client).login("easier@example.org")
    assert "/dementia/easier-reading" in client.get("/account").get_data(as_text=True)
    page = client.get("/dementia/easier-reading").get_data(as_text=True)
    assert "Largest text" in page and "More space between lines" in page
    post_form(client, "/dementia/easier-reading", {})
    html = client.get("/courses").get_data(as_text=True)
    assert '<html lang="en-GB" class="reading-text-largest reading-spacing-wide">' in html
