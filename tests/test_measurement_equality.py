"""Issue 16 point 7: equality monitoring is optional, separately consented, withdrawable, never shown per person,
reported only as suppressed counts, exported to the member and erased with the account."""
import pytest
from sqlalchemy import select

from copractice.extensions import db
from copractice.measurement import equality
from copractice.measurement.equality_models import EqualityMonitoring
from copractice.members.data_rights import erase_member, export_member_data
from tests.conftest import create_member, post_form

# A sexual orientation label nobody else prints anywhere on the site: if a page shows it, it shows an answer.
TELLTALE = "Another sexual orientation"


def test_answers_need_their_own_consent_may_be_skipped_and_are_deleted_on_withdrawal(app):
    with app.test_request_context():
        member = create_member()
        with pytest.raises(equality.EqualityRefused) as refused:
            equality.save_answers(member, consent=False, answers={"sex": "female"})
        assert refused.value.field == "consent"
        with pytest.raises(equality.EqualityRefused):
            equality.save_answers(member, consent=True, answers={"sex": "robot"})
        row = equality.save_answers(member, consent=True, answers={"sex": "prefer_not", "ethnicity": None})
        assert (row.sex, row.ethnicity, row.consented_at is not None) == ("prefer_not", None, True)
        assert export_member_data(member)["equality_monitoring"]["answers"]["What is your sex?"] == "Prefer not to say"
        assert equality.withdraw(member) is True
        assert db.session.scalar(select(EqualityMonitoring)) is None
        assert export_member_data(member)["equality_monitoring"] is None
        equality.save_answers(member, consent=True, answers={"caring": "yes"})
        erase_member(member)
        db.session.commit()
        assert db.session.scalar(select(EqualityMonitoring).where(EqualityMonitoring.member_id == member.id)) is None


def test_the_report_shows_only_suppressed_counts(app):
    with app.test_request_context():
        for _ in range(6):
            equality.save_answers(create_member(), consent=True, answers={"disability": "no"})
        equality.save_answers(create_member(), consent=True, answers={"disability": "yes"})
        report = {label: counts for label, _labels, counts in equality.report()}
        disability = next(c for label, c in report.items() if label.startswith("Do you have a physical"))
        assert str(disability["no"]) == "6" and str(disability["yes"]) == "fewer than 5"
        assert disability.total.shown == 7 and disability["prefer_not"].hidden


def test_no_page_but_the_members_own_form_shows_their_answers(app, client, login):
    with app.app_context():
        member = create_member(email="answerer@example.org", name="Answerer")
        member_id = member.id
        create_member(role="admin", email="admin@example.org")
        create_member(role="theme_lead", themes=("cross-cutting",), email="lead@example.org")
    login(client, "answerer@example.org")
    refused = post_form(client, "/account/equality-monitoring", {"sexual_orientation": "other"})
    assert refused.status_code == 400 and "Tick the box" in refused.get_data(as_text=True)
    assert post_form(client, "/account/equality-monitoring",
                     {"sexual_orientation": "other", "consent": "y"}).status_code == 302
    own = client.get("/account/equality-monitoring").get_data(as_text=True)
    assert 'value="other" checked' in own or "checked value=\"other\"" in own or (
        'id="sexual_orientation-3"' in own and "checked" in own)
    data = client.get("/account/data.json").get_data(as_text=True)
    assert TELLTALE in data  # the member's own export has it
    for who in ("admin@example.org", "lead@example.org"):
        other = app.test_client()
        login(other, who)
        for url in ["/admin/members", f"/admin/members/{member_id}", "/admin/audit", "/impact/equality",
                    "/impact/equality.csv", "/impact/report", "/impact/report.csv", "/impact/", "/account",
                    "/directory/"]:
            text = other.get(url).get_data(as_text=True)
            if url.startswith("/impact/equality"):  # the report names every answer, with suppressed counts only
                assert "Answerer" not in text and f"{TELLTALE}</th><td class=\"numeric\">1<" not in text
                assert f"{TELLTALE},1" not in text
            else:
                assert TELLTALE not in text, url
    assert post_form(client, "/account/equality-monitoring/withdraw", {},
                     page="/account/equality-monitoring").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(EqualityMonitoring)) is None


def test_the_report_page_reads_a_fixed_number_of_queries(app, client, login):
    from tests.query_budget import queries_for

    with app.test_request_context():
        create_member(role="admin", email="admin@example.org")
        for _ in range(2):
            equality.save_answers(create_member(), consent=True, answers={"sex": "female"})
        db.session.commit()
    login(client, "admin@example.org")
    status, few = queries_for(app, client, "/impact/equality")
    assert status == 200 and few <= 12  # measured: 9 (the member, plugins, one count a question)
    with app.test_request_context():
        for _ in range(8):
            equality.save_answers(create_member(), consent=True, answers={"sex": "male", "caring": "no"})
        db.session.commit()
    assert queries_for(app, client, "/impact/equality") == (200, few)
