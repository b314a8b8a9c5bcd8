"""Issue 11 points 12 and 13: deleting an account really erases it, and "Download my data" holds everything.

Both are tested with a member who has every kind of data (tests/privacy_data.py). The lists of tables
in copractice/members/data_rights.py are checked against the database itself, so a table added later
with a member in it fails here until the export and the erasure say what happens to it.
"""
import json

import pytest
from sqlalchemy import MetaData, func, select

from copractice.attendance import operations as attendance_ops
from copractice.attendance.models import Attendance, Certificate
from copractice.attendance.reports import course_grid
from copractice.courses.models import CANCELLED, ENROLLED, LEFT_WAITLIST, OFFERED, Course, Enrolment
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import Notice
from tests.conftest import PASSWORD, AuthActions, create_member, post_form
from tests.privacy_data import (
    APOLOGY,
    COMPANION,
    EMAIL,
    GUARDIAN,
    NAME,
    REMARK,
    SECRETS,
    member_with_everything,
    session_of,
)


@pytest.fixture
def data(app):
    return member_with_everything(app)


@pytest.fixture
def signed_in(client, data):
    AuthActions(client).login(EMAIL)
    return client


def delete_account(client):
    return post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})


def member_foreign_keys():
    """(table, column) for every column of every table in the database that points at member.id."""
    reflected = MetaData()
    reflected.reflect(bind=db.engine)
    return sorted((table.name, fk.parent.name) for table in reflected.tables.values()
                  for fk in table.foreign_keys if fk.column.table.name == "member")


def every_row_as_text():
    """Every table of the database (plugins' included), every row, as one long text per table."""
    reflected = MetaData()
    reflected.reflect(bind=db.engine)
    return {table.name: repr(db.session.execute(select(table)).all()) for table in reflected.tables.values()}


# -- point 12: erasure ------------------------------------------------------------------------------------

def test_deleting_the_account_gives_up_places_and_the_first_person_waiting_is_offered_one(app, signed_in, data):
    response = delete_account(signed_in)
    assert "Your account has been deleted" in response.get_data(as_text=True)
    with app.app_context():
        full = db.session.get(Course, data.full_course_id)
        status = dict(db.session.execute(select(Enrolment.member_id, Enrolment.status)
                                         .where(Enrolment.course_id == full.id)).all())
        assert status[data.member_id] == CANCELLED and status[data.waiter_id] == OFFERED
        assert full.places_taken == 2  # one for the other member, one held by the offer
        assert db.session.scalar(select(Notice.kind).where(Notice.member_id == data.waiter_id)
                                 .order_by(Notice.id.desc())) == "place_offered"
        queued = db.session.scalar(select(Enrolment.status).where(Enrolment.course_id == data.queued_course_id,
                                                                  Enrolment.member_id == data.member_id))
        assert queued == LEFT_WAITLIST
        assert db.session.scalar(select(func.count()).select_from(Enrolment).where(
            Enrolment.member_id == data.member_id, Enrolment.status.in_((ENROLLED, OFFERED, "waiting")))) == 0
    assert signed_in.get("/account").status_code == 302  # logged out


def test_erased_member_leaves_registers_and_mark_everyone_present(app, signed_in, data):
    delete_account(signed_in)
    with app.test_request_context():
        for session_id in (data.marked_past_session_id, data.unmarked_past_session_id, data.future_session_id):
            assert data.member_id not in {row.member_id for row in attendance_ops.register(session_of(session_id))}
        admin = db.session.scalar(select(Member).where(Member.role == "admin"))
        unmarked = session_of(data.unmarked_past_session_id)
        assert attendance_ops.mark_everyone_present(admin, unmarked) == 1  # the other member only
        assert attendance_ops.current_mark(unmarked.id, data.member_id) is None
        # The apology for the session to come is gone; past marks stay as anonymous counts, without remarks.
        assert attendance_ops.current_mark(data.future_session_id, data.member_id) is None
        kept = db.session.scalars(select(Attendance).where(Attendance.member_id == data.member_id)).all()
        assert len(kept) == 3 and all(mark.remark is None for mark in kept)
        grid = course_grid(db.session.get(Course, data.full_course_id))
        assert data.member_id not in {row.member_id for row in grid.rows}
        certificate = db.session.scalar(select(Certificate).where(Certificate.code == data.certificate_code))
        assert certificate.revoked_at is not None
    admin_client = app.test_client()
    AuthActions(admin_client).login(db_email_of_admin(app))
    page = admin_client.get(f"/manage/sessions/{data.marked_past_session_id}/register").get_data(as_text=True)
    assert "Former member" not in page and "Olu Other" in page
    history = admin_client.get(f"/manage/sessions/{data.future_session_id}/register/history").get_data(as_text=True)
    assert APOLOGY not in history and "Former member" not in history
    assert admin_client.get(f"/reports/members/{data.member_id}").status_code == 404
    grid_page = admin_client.get(f"/reports/courses/{data.full_course_id}").get_data(as_text=True)
    assert "Former member" not in grid_page and "Olu Other" in grid_page


def db_email_of_admin(app):
    with app.app_context():
        return db.session.scalar(select(Member.email).where(Member.role == "admin"))


def test_nothing_said_about_them_is_left_in_any_table(app, signed_in, data):
    with app.app_context():
        before = every_row_as_text()
    assert all(any(secret in text for text in before.values()) for secret in SECRETS)  # the search can find them
    delete_account(signed_in)
    with app.app_context():
        after = every_row_as_text()
    found = {(secret, table) for secret in SECRETS for table, text in after.items() if secret in text}
    assert found == set()


def test_every_table_pointing_at_them_is_emptied_or_kept_for_a_stated_reason(app, signed_in, data):
    from copractice.members.data_rights import KEPT_AFTER_ERASURE

    delete_account(signed_in)
    with app.app_context():
        reflected = MetaData()
        reflected.reflect(bind=db.engine)
        left = {}
        for table, column in member_foreign_keys():
            t = reflected.tables[table]
            count = db.session.scalar(select(func.count()).select_from(t).where(t.c[column] == data.member_id))
            if count and f"{table}.{column}" not in KEPT_AFTER_ERASURE:
                left[f"{table}.{column}"] = count
        assert left == {}
        member = db.session.get(Member, data.member_id)
        assert (member.name, member.email, member.password_hash, member.calendar_token) == (
            "Former member", None, None, None)
        assert member.erased_at is not None and member.leaderships == []


def test_every_column_of_the_member_row_is_emptied_or_kept_for_a_stated_reason(app, signed_in, data):
    from copractice.members.data_rights import MEMBER_COLUMNS_KEPT

    delete_account(signed_in)
    with app.app_context():
        row = db.session.execute(select(Member.__table__).where(Member.id == data.member_id)).mappings().one()
    assert {name for name, value in row.items() if value not in (None, [], {}, "")} - set(MEMBER_COLUMNS_KEPT) == set()
    assert row["name"] == "Former member" and row["role"] == "trainee" and row["active"] is False


def test_the_site_keeps_counting_an_erased_member_only_in_totals(app, signed_in, data):
    delete_account(signed_in)
    with app.test_request_context():
        from copractice.attendance.reports import ReportFilters, rates_by_month

        marks = sum(month[1] for month in rates_by_month(ReportFilters(course_id=data.full_course_id)))
        assert marks == 1 + 3  # the other member's mark and the erased member's three, unnamed


# -- point 13: the export -----------------------------------------------------------------------------------

def test_download_holds_everything_we_hold(app, signed_in, data):
    response = signed_in.get("/account/data.json")
    assert "no-store" in response.headers["Cache-Control"]
    got = json.loads(response.data)
    assert (got["format"], got["version"]) == ("copractice-member-data", 1)
    assert got["account"]["email"] == EMAIL and got["account"]["themes_led"] == ["dementia"]
    assert got["consents"][0]["kind"] == "research_contact"
    assert {(e["course"], e["status"]) for e in got["enrolments"]} == {
        ("Working together", "enrolled"), ("Measuring impact", "waiting"), ("Involving young people", "removed")}
    assert [e["waiting_list_position"] for e in got["enrolments"] if e["status"] == "waiting"] == [1]
    assert [a["remark"] for a in got["attendance"] if a["remark"] == REMARK] == [REMARK]
    assert [(a["reason"], a["still_standing"]) for a in got["apologies"]] == [(APOLOGY, True)]
    assert len(got["check_ins"]) == 1
    assert [c["code"] for c in got["certificates"]] == [data.certificate_code]
    assert got["completions"][0]["course"] == "Working together"
    assert any(n["kind"] == "enrolled" for n in got["notices"])
    assert got["plugin_answers"] == [{"plugin": "dementia", "field": "connection", "value": "carer"}]
    assert got["plugins"]["dementia"]["companions"][0]["name"] == COMPANION
    assert got["plugins"]["childrens_mental_health"]["guardian_consents"][0]["guardian_name"] == GUARDIAN
    actions = {entry["action"] for entry in got["audit_entries"]}
    assert {"member.role_changed", "enrolment.added_by_organiser", "enrolment.removed_by_organiser",
            "childrens_mental_health.consent_recorded"} <= actions
    assert got["plugins_not_answering"] == []


def test_every_table_with_a_member_in_it_is_exported_or_left_out_for_a_stated_reason(app, signed_in, data):
    """A table added later with a member column fails here until the export covers it (or says why not)."""
    from copractice.members.data_rights import EXPORTED_TABLES, NOT_EXPORTED

    got = signed_in.get("/account/data.json").get_json()
    with app.app_context():
        keys = member_foreign_keys()
        plugins = set(got["plugins"])
    missing, empty = [], []
    for table, column in keys:
        plugin = next((p for p in plugins if table.startswith(p + "_")), None)
        if f"{table}.{column}" in NOT_EXPORTED or plugin is not None:
            continue
        if table not in EXPORTED_TABLES:
            missing.append(f"{table}.{column}")
        elif not got[EXPORTED_TABLES[table]]:
            empty.append(table)
    assert missing == [] and empty == []
    # The bundled plugins' tables are covered by their own hooks: each holds something for this member.
    assert {"dementia", "childrens_mental_health"} <= plugins


def test_every_column_of_the_member_row_is_exported_or_left_out_for_a_stated_reason(app, signed_in, data):
    from copractice.members.data_rights import MEMBER_COLUMNS_NOT_EXPORTED

    got = signed_in.get("/account/data.json").get_json()
    exported = set(got["account"]) | set(got["profile"])
    columns = {column.name for column in Member.__table__.columns}
    assert columns - exported - set(MEMBER_COLUMNS_NOT_EXPORTED) == set()


def test_your_data_page_shows_the_same_in_plain_words(signed_in, data):
    page = signed_in.get("/account/data")
    assert page.status_code == 200 and "no-store" in page.headers["Cache-Control"]
    html = page.get_data(as_text=True)
    for text in (EMAIL, APOLOGY, REMARK, data.certificate_code, COMPANION, GUARDIAN, "Working together",
                 "On the waiting list", "Checked in"):
        assert text in html, text
    assert "<h1>Your data</h1>" in html


def test_another_members_data_is_not_in_my_download(app, client, data):
    with app.app_context():
        create_member(email="someone.else@example.org")
    AuthActions(client).login("someone.else@example.org")
    body = client.get("/account/data.json").get_data(as_text=True)
    assert not any(secret in body for secret in SECRETS)


def test_a_namesake_does_not_get_my_audit_entries(app, client, data):
    with app.app_context():
        create_member(email="namesake@example.org", name=NAME)
    AuthActions(client).login("namesake@example.org")
    got = client.get("/account/data.json").get_json()
    assert got["account"]["name"] == NAME and got["audit_entries"] == []


def test_the_only_admin_cannot_delete_their_account_until_there_is_another(app, client):
    with app.app_context():
        admin_id = create_member(email="only.admin@example.org", role="admin").id
    AuthActions(client).login("only.admin@example.org")
    page = delete_account(client).get_data(as_text=True)
    assert "You are the site&#39;s only admin" in page
    with app.app_context():
        assert db.session.get(Member, admin_id).erased_at is None
        create_member(role="admin")
    assert "Your account has been deleted" in delete_account(client).get_data(as_text=True)
