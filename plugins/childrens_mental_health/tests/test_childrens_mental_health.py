"""Starting Well: guardian consent before under-16s enrol, safeguarding checks for facilitators, a young people's view."""
from datetime import date, timedelta

import pytest
from copractice_childrens_mental_health.models import GuardianConsent, SafeguardingCheck
from sqlalchemy import select

from copractice.plugin_api import Course, Enrolment, Member, db
from copractice.testing import (
    AuthActions,
    EnrolmentRefused,
    create_course,
    create_member,
    create_resource,
    enrol,
    post_form,
    set_profile_answer,
)

SLUG = "childrens-mental-health"


@pytest.fixture
def enabled(enable_plugin):
    enable_plugin("childrens_mental_health")


@pytest.fixture
def lead(app, make_member, login):
    client = app.test_client()
    login(client, make_member(email="lead@example.org", role="theme_lead", themes=(SLUG,)))
    return client


def young(app, email, band):
    with app.app_context():
        member = create_member(email=email, name="Aisha Begum", stakeholder_type="young_person")
        if band:
            set_profile_answer(member, "childrens_mental_health", "age_band", band)
        db.session.commit()
        return member.id


def test_under_16_is_refused_until_consent_is_recorded(app, client, lead, enabled):
    member_id = young(app, "aisha@example.org", "13_15")
    with app.test_request_context():
        slug = create_course(theme_slug=SLUG).slug
    AuthActions(client).login("aisha@example.org")
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "A parent or guardian needs to give their consent" in page
    refused = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}", follow_redirects=True)
    assert "A parent or guardian needs to give their consent" in refused.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Enrolment).count() == 0
    response = post_form(lead, "/childrens-mental-health/consent-and-checks", {
        "consent-email": "aisha@example.org", "consent-guardian_name": "Farah Begum", "consent-relationship": "mother",
        "consent-consent_date": date.today().isoformat()})
    assert response.status_code == 302
    post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    with app.app_context():
        assert db.session.scalar(select(Enrolment.status).where(Enrolment.member_id == member_id)) == "enrolled"
        consent = db.session.scalar(select(GuardianConsent))
        assert (consent.guardian_name, consent.relationship_to_member) == ("Farah Begum", "mother")


def test_young_person_without_an_age_is_asked_for_it(app, enabled):
    member_id = young(app, "noage@example.org", None)
    with app.test_request_context(), pytest.raises(EnrolmentRefused, match="tell us your age"):
        enrol(db.session.get(Member, member_id), create_course(theme_slug=SLUG))


def test_16_and_over_and_other_themes_need_no_consent(app, enabled):
    older = young(app, "older@example.org", "16_17")
    younger = young(app, "younger@example.org", "under_13")
    with app.test_request_context():
        assert enrol(db.session.get(Member, older), create_course(theme_slug=SLUG)).status == "enrolled"
        assert enrol(db.session.get(Member, younger), create_course()).status == "enrolled"


def test_consent_form_errors_are_clear(app, lead, enabled):
    page = post_form(lead, "/childrens-mental-health/consent-and-checks", {
        "consent-email": "nobody@example.org", "consent-guardian_name": "", "consent-relationship": "aunt",
        "consent-consent_date": (date.today() + timedelta(days=3)).isoformat()}).get_data(as_text=True)
    assert "There is a problem" in page and "Enter the parent or guardian&#39;s name." in page
    assert "The date cannot be in the future." in page


def test_facilitators_need_a_safeguarding_check_from_the_last_three_years(app, lead, enabled):
    with app.app_context():
        create_member(email="fac@example.org", name="Fran Facilitator", role="facilitator")
        db.session.add(SafeguardingCheck(member_id=db.session.scalar(select(Member.id).where(Member.email == "fac@example.org")),
                                         checked_on=date.today() - timedelta(days=365 * 3 + 30)))
        db.session.commit()
    form = {"title": "Youth voice", "summary": "s", "description": "", "theme_slug": SLUG, "level": "introductory",
            "format": "online", "capacity": "8", "status": "draft", "facilitators": "fac@example.org",
            "lived_experience": ""}
    refused = post_form(lead, "/manage/courses/new", form).get_data(as_text=True)
    assert "Fran Facilitator cannot facilitate this course: they need a safeguarding check" in refused
    post_form(lead, "/childrens-mental-health/consent-and-checks", {
        "check-email": "fac@example.org", "check-checked_on": (date.today() - timedelta(days=100)).isoformat()})
    assert post_form(lead, "/manage/courses/new", form).status_code == 302
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.title == "Youth voice"))
        assert [f.member.name for f in course.facilitators] == ["Fran Facilitator"]


def test_only_the_themes_leads_record_consent(app, client, enabled):
    with app.app_context():
        create_member(email="otherlead@example.org", role="theme_lead", themes=("cross-cutting",))
    AuthActions(client).login("otherlead@example.org")
    assert client.get("/childrens-mental-health/consent-and-checks").status_code == 403


def test_young_peoples_resources_view(app, client, enabled):
    with app.test_request_context():
        create_resource(title="Your voice matters", themes=(SLUG,), audience=["young_person"])
        create_resource(title="For researchers only", themes=(SLUG,), audience=["researcher"])
    page = client.get("/childrens-mental-health/for-young-people").get_data(as_text=True)
    assert "Your voice matters" in page and "For researchers only" not in page and "Childline" in page


def test_consent_data_is_downloaded_and_erased(app, client, lead, enabled):
    young(app, "data@example.org", "13_15")
    post_form(lead, "/childrens-mental-health/consent-and-checks", {
        "consent-email": "data@example.org", "consent-guardian_name": "Sam Parent", "consent-relationship": "father",
        "consent-consent_date": date.today().isoformat()})
    AuthActions(client).login("data@example.org")
    data = client.get("/account/data.json").get_json()
    assert data["plugins"]["childrens_mental_health"]["guardian_consents"][0]["guardian_name"] == "Sam Parent"
    post_form(client, "/account/delete", {"password": "correct horse battery", "confirm": "y"})
    with app.app_context():
        assert db.session.query(GuardianConsent).count() == 0


# -- settings (issue 13, point 3): set on /admin/plugins/childrens_mental_health/settings ----------------

SETTINGS_URL = "/admin/plugins/childrens_mental_health/settings"


def save_settings(app, **answers):
    admin = app.test_client()
    with app.app_context():
        email = create_member(role="admin").email
    AuthActions(admin).login(email)
    answers = {"consent_age": "16", "safeguarding_name": "", "safeguarding_email": "", **answers}
    return post_form(admin, SETTINGS_URL, answers)


def try_to_enrol(app, email, band):
    """A young person in ``band`` tries to join a Starting Well course: True when they got a place."""
    member_id = young(app, email, band)
    with app.test_request_context():
        course = create_course(theme_slug=SLUG)
        member = db.session.get(Member, member_id)
        try:
            enrol(member, course)
        except Exception:  # noqa: BLE001  (refused: the reason is the rule's, tested above)
            db.session.rollback()
        return db.session.scalar(select(Enrolment.status).where(Enrolment.member_id == member_id)) == "enrolled"


@pytest.mark.parametrize("age, band, needs_consent", [
    ("16", "13_15", True), ("16", "16_17", False),  # the default, as before
    ("18", "16_17", True), ("18", "18_24", False),
    ("13", "13_15", False), ("13", "under_13", True),
    ("14", "13_15", True),  # some 13-year-olds are in the band: consent is asked of all of it
])
def test_the_consent_age_setting_drives_the_guardian_consent_rule(app, enabled, age, band, needs_consent):
    assert save_settings(app, consent_age=age).status_code == 302
    assert try_to_enrol(app, "young@example.org", band) is not needs_consent


@pytest.mark.parametrize("age, message", [("12", "Enter a number from 13 to 18."), ("19", "Enter a number from 13 to 18."),
                                          ("sixteen", "Enter a whole number, like 16."), ("", "Enter a number from 13 to 18.")])
def test_a_consent_age_outside_the_law_is_refused_beside_the_field(app, enabled, age, message):
    response = save_settings(app, consent_age=age)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'id="consent_age-error"' in page and message in page
    assert try_to_enrol(app, "still16@example.org", "13_15") is False  # the rule stands at its default


def test_the_profile_question_and_leads_page_say_the_consent_age(app, client, lead, enabled):
    save_settings(app, consent_age="18")
    assert "If you are under 18, a parent or guardian" in client.get("/register").get_data(as_text=True)
    assert "Young people under 18 need this" in lead.get("/childrens-mental-health/consent-and-checks").get_data(as_text=True)


def test_the_safeguarding_contact_is_shown_to_young_people(app, client, enabled):
    assert "safeguarding lead" not in client.get("/childrens-mental-health/for-young-people").get_data(as_text=True)
    refused = save_settings(app, safeguarding_email="not-an-address")
    assert refused.status_code == 400 and "Enter an email address in the right form" in refused.get_data(as_text=True)
    assert save_settings(app, safeguarding_name="Sam Patel", safeguarding_email="safeguarding@example.org").status_code == 302
    page = client.get("/childrens-mental-health/for-young-people").get_data(as_text=True)
    assert 'Write to Sam Patel: <a href="mailto:safeguarding@example.org">' in page
    young(app, "worried@example.org", "13_15")
    AuthActions(client).login("worried@example.org")
    assert "write to Sam Patel at safeguarding@example.org" in client.get("/account").get_data(as_text=True)
