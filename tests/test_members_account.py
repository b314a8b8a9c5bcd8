"""Registration, email verification, login, passwords, profile, consents, data export and erasure."""
import json

from sqlalchemy import select

from copractice.extensions import db
from copractice.members import data_rights, operations
from copractice.members.models import ConsentEvent, Member, ProfileAnswer
from copractice.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, post_form

REGISTRATION = {
    "name": "Rosa Lane", "email": "Rosa@Example.org", "stakeholder_type": "carer", "organisation": "",
    "area": "surrey", "access_needs": ["step_free", "bsl"], "access_needs_note": "I use a wheelchair",
    "password": "three random words", "confirm": "three random words", "research_contact": "y",
}


def register(client, **changes):
    return post_form(client, "/register", {**REGISTRATION, **changes})


def test_register_stores_member_and_sends_verification(client, app, mailbox):
    response = register(client)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    with app.app_context():
        member = db.session.scalar(select(Member).where(Member.email == "rosa@example.org"))
        assert member.name == "Rosa Lane" and member.stakeholder_type == "carer" and member.area == "surrey"
        assert member.access_needs == ["bsl", "step_free"]
        assert member.password_hash.startswith("$argon2id$") and "three random" not in member.password_hash
        assert member.email_verified_at is None
        consents = operations.current_consents(member)
        assert consents["research_contact"].granted and consents["research_contact"].at
        assert consents["directory"] is None  # off by default, nothing recorded
    [message] = mailbox.to("rosa@example.org")
    assert message["Subject"] == "Confirm your email address for copractice"


def test_cannot_log_in_before_verifying_then_can(client, app, mailbox, auth):
    register(client)
    refused = auth.login("rosa@example.org", "three random words")
    assert "confirm your email address" in refused.get_data(as_text=True)
    link = mailbox.link("rosa@example.org", "/verify/")
    response = client.get(link[link.index("/verify/"):], follow_redirects=True)
    assert "Your email address is confirmed" in response.get_data(as_text=True)
    response = auth.login("rosa@example.org", "three random words")
    assert response.status_code == 302 and response.headers["Location"] == "/account"


def test_tampered_verification_link_is_refused(client, mailbox):
    register(client)
    link = mailbox.link("rosa@example.org", "/verify/")
    response = client.get(link[link.index("/verify/"):] + "x")
    assert response.status_code == 400 and "This link does not work" in response.get_data(as_text=True)


def test_registering_a_taken_address_looks_the_same_and_tells_the_owner(client, app, make_member, mailbox):
    make_member(email="rosa@example.org")
    response = register(client)
    assert "Check your email" in response.get_data(as_text=True)
    [message] = mailbox.to("rosa@example.org")
    assert message["Subject"] == "You already have a copractice account"
    with app.app_context():
        assert db.session.query(Member).count() == 1


def test_registration_errors_are_shown_beside_fields_with_a_summary(client):
    response = register(client, email="not-an-email", password="short", confirm="different", area="")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is a problem" in html and 'href="#email"' in html
    assert 'id="password-error"' in html and "at least 8 characters" in html
    assert "Choose your county or area." in html
    assert html.count("<h1") == 1 and "<title>Error: Create an account – copractice</title>" in html
    start = html.index("error-summary__list")
    summary = html[start:html.index("</ul>", start)]
    assert summary.index("#email") < summary.index("#area") < summary.index("#password")  # page order


def test_login_with_wrong_password_says_nothing_about_the_account(client, make_member, auth):
    make_member(email="known@example.org")
    wrong = auth.login("known@example.org", "wrong password").get_data(as_text=True)
    unknown = auth.login("nobody@example.org", "wrong password").get_data(as_text=True)
    assert "The email address or password is not right." in wrong
    assert "The email address or password is not right." in unknown


def test_remember_me_sets_a_lasting_cookie(client, make_member, auth):
    make_member(email="remember@example.org")
    response = auth.login("remember@example.org", remember="y")
    assert "remember_token=" in " ".join(response.headers.getlist("Set-Cookie"))


def test_deactivated_member_cannot_log_in(client, make_member, auth):
    make_member(email="off@example.org", active=False)
    assert "Your account is switched off" in auth.login("off@example.org").get_data(as_text=True)


def test_password_reset_by_emailed_token_is_single_use(client, app, make_member, mailbox):
    make_member(email="forgot@example.org")
    response = post_form(client, "/password/forgot", {"email": "forgot@example.org"})
    assert "If <strong>forgot@example.org</strong> has an account" in response.get_data(as_text=True)
    link = mailbox.link("forgot@example.org", "/password/reset/")
    path = link[link.index("/password/reset/"):]
    response = post_form(client, path, {"password": "a brand new one", "confirm": "a brand new one"})
    assert response.status_code == 302
    assert client.get(path).status_code == 400  # spent once the password changed
    with app.app_context():
        member = operations.find_by_email("forgot@example.org")
        assert operations.authenticate("forgot@example.org", "a brand new one") == member


def test_password_reset_for_unknown_address_looks_the_same_and_tells_the_address(client, mailbox):
    response = post_form(client, "/password/forgot", {"email": "ghost@example.org"})
    assert "If <strong>ghost@example.org</strong> has an account" in response.get_data(as_text=True)
    [message] = mailbox.to("ghost@example.org")  # one message either way (issue 11, point 5)
    assert "there is no account with this address" in mailbox.body(message)
    assert "/password/reset/" not in mailbox.body(message)


def test_edit_profile_and_consents_with_timestamps(client, app, make_member, auth):
    member = make_member(email="edit@example.org")
    auth.login("edit@example.org")
    response = post_form(client, "/account/edit", {
        "name": "New Name", "stakeholder_type": "researcher", "organisation": "University of Kent",
        "area": "kent", "access_needs": ["easy_read"], "access_needs_note": "",
    })
    assert response.status_code == 302
    post_form(client, "/account/consents", {"directory": "y"})
    post_form(client, "/account/consents", {})  # withdraw
    with app.app_context():
        fresh = db.session.get(Member, member.id)
        assert (fresh.name, fresh.organisation, fresh.access_needs) == ("New Name", "University of Kent", ["easy_read"])
        events = db.session.scalars(select(ConsentEvent).where(ConsentEvent.member_id == member.id)
                                    .order_by(ConsentEvent.id)).all()
        assert [(e.kind, e.granted) for e in events] == [("directory", True), ("directory", False)]
        assert all(e.at is not None for e in events)
    assert "No, since" in client.get("/account").get_data(as_text=True)


def test_change_password_requires_current_and_signs_out_other_sessions(app, make_member):
    make_member(email="pw@example.org")
    laptop, phone = app.test_client(), app.test_client()
    from tests.conftest import AuthActions

    AuthActions(laptop).login("pw@example.org")
    AuthActions(phone).login("pw@example.org")
    wrong = post_form(laptop, "/account/password", {"current": "nope", "password": "new password 1",
                                                     "confirm": "new password 1"})
    assert "Your current password is not right." in wrong.get_data(as_text=True)
    ok = post_form(laptop, "/account/password", {"current": PASSWORD, "password": "new password 1",
                                                  "confirm": "new password 1"})
    assert ok.status_code == 302
    assert laptop.get("/account").status_code == 200  # this device stays in
    assert phone.get("/account").status_code == 302  # the other one is out


def test_logout_invalidates_a_copied_session_cookie(client, make_member, auth):
    make_member(email="copy@example.org")
    auth.login("copy@example.org")
    stolen = client.get_cookie("session").value
    auth.logout()
    client.set_cookie("session", stolen)
    assert client.get("/account").status_code == 302


def test_login_starts_a_new_session(client, make_member, auth):
    make_member(email="fixate@example.org")
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    auth.login("fixate@example.org")
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_download_my_data_is_complete_json(client, make_member, auth):
    make_member(email="data@example.org", organisation="Kent Carers", access_needs=["bsl"])
    auth.login("data@example.org")
    post_form(client, "/account/consents", {"research_contact": "y"})
    response = client.get("/account/data.json")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["account"]["email"] == "data@example.org"
    assert data["profile"]["organisation"] == "Kent Carers" and data["profile"]["access_needs"] == ["bsl"]
    assert data["consents"][0]["kind"] == "research_contact" and data["consents"][0]["granted"] is True


def test_delete_account_erases_personal_data_and_keeps_anonymous_row(client, app, make_member, auth):
    member = make_member(email="bye@example.org", organisation="Somewhere", access_needs=["bsl"],
                         stakeholder_type="patient", area="medway")
    auth.login("bye@example.org")
    post_form(client, "/account/consents", {"directory": "y"})
    response = post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert "Your account has been deleted" in response.get_data(as_text=True)
    with app.app_context():
        gone = db.session.get(Member, member.id)
        assert gone.email is None and gone.password_hash is None and gone.organisation is None
        assert gone.name == "Former member" and gone.access_needs == [] and gone.erased_at is not None
        assert (gone.stakeholder_type, gone.area) == ("patient", "medway")  # anonymous reach figures
        assert db.session.scalars(select(ConsentEvent).where(ConsentEvent.member_id == member.id)).all() == []
        assert all(m.to_address is None for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.member_id == member.id)))
    assert client.get("/account").status_code == 302
    assert "not right" in auth.login("bye@example.org").get_data(as_text=True)


def test_delete_account_needs_the_password(client, make_member, auth):
    make_member(email="stay@example.org")
    auth.login("stay@example.org")
    response = post_form(client, "/account/delete", {"password": "wrong", "confirm": "y"})
    assert "Your password is not right." in response.get_data(as_text=True)
    assert client.get("/account").status_code == 200


def test_erasure_removes_plugin_answers(app, make_member):
    member = make_member()
    with app.app_context():
        m = db.session.get(Member, member.id)
        operations.save_profile_answers(m, {("dementia", "relationship"): "carer"})
        db.session.commit()
        data_rights.erase_member(m)
        db.session.commit()
        assert db.session.scalars(select(ProfileAnswer)).all() == []
