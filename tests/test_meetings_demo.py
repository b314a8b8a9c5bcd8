"""The demo site has the regional forum (issue 15 point 1): members, a chair and a secretary, a past meeting with a
register and meetings coming up with answers, made once however often the demo data is loaded."""
from sqlalchemy import func, select

from copractice.extensions import db
from copractice.meetings.meeting_models import MeetingAttendance, MeetingRsvp
from copractice.meetings.models import Group, Meeting
from tests.conftest import AuthActions


def test_the_demo_forum_is_made_once_and_shows_on_its_page(app, runner):
    for _ in range(2):
        assert runner.invoke(args=["demo-data"]).exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Group.id))) == 1
        forum = db.session.scalar(select(Group))
        assert {(m.role, m.status) for m in forum.memberships} >= {("chair", "active"), ("secretary", "active")}
        assert db.session.scalar(select(func.count(Meeting.id))) == 3
        assert db.session.scalar(select(func.count(MeetingRsvp.id))) == 8
        assert db.session.scalar(select(func.count(MeetingAttendance.id))) == 6
    client = app.test_client()
    assert AuthActions(client).login("patient@example.org", "copractice-demo").status_code == 302
    groups = client.get("/groups/").get_data(as_text=True)
    assert "Regional public involvement forum" in groups
    page = client.get("/groups/regional-forum").get_data(as_text=True)
    assert "Regional forum: planning next year" in page and "Past meetings" in page
    assert '<a href="/groups/"' in client.get("/account").get_data(as_text=True)  # "Groups" in the site menu
    assert 'href="/groups/"' not in app.test_client().get("/").get_data(as_text=True)  # not for visitors
