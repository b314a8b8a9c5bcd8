"""A member's answers and marks at group meetings are in "Download my data", and go with an erased account (marks
of meetings that happened stay as counts, without their remark) — issue 15 point 1 with issue 11's data rights."""
from datetime import timedelta

from sqlalchemy import select

from copractice.extensions import db
from copractice.meetings import meetings as ops
from copractice.meetings.meeting_models import MeetingAttendance, MeetingRsvp
from copractice.members.data_rights import erase_member
from copractice.members.models import Member
from tests.conftest import create_member
from tests.meetings_factory import make_group, make_meeting


def test_answers_and_marks_are_exported_then_erased(app, client, login):
    with app.test_request_context():
        chair, ana = create_member(), create_member(email="ana@example.org")
        group = make_group(name="Kent forum", people=[(chair, "chair", "active"), (ana, "member", "active")])
        held = make_meeting(group, starts_in=timedelta(days=-3), title="Held")
        coming = make_meeting(group, title="Coming")
        ops.answer(ana, coming, "maybe")
        ops.mark(chair, held, ana.id, "late", remark="Train strike")
        ops.mark(chair, coming, ana.id, "excused", remark="Away")
        db.session.commit()
        ana_id = ana.id
    login(client, "ana@example.org")
    got = client.get("/account/data.json").get_json()["group_meetings"]
    assert [(a["meeting"], a["answer"]) for a in got["answers"]] == [("Coming", "Maybe")]
    assert {(a["meeting"], a["mark"], a["remark"]) for a in got["attendance"]} == {
        ("Held", "Late", "Train strike"), ("Coming", "Excused", "Away")}
    with app.test_request_context():
        erase_member(db.session.get(Member, ana_id))
        db.session.commit()
        assert db.session.scalars(select(MeetingRsvp).where(MeetingRsvp.member_id == ana_id)).all() == []
        marks = db.session.execute(select(MeetingAttendance.status, MeetingAttendance.remark).where(
            MeetingAttendance.member_id == ana_id)).all()
        assert [tuple(m) for m in marks] == [("late", None)]
