"""Agendas and actions in a member's data (issue 15): in the download and on "Your data", and after erasure the
items they led and the actions they owned stay in the group's record without them."""
from sqlalchemy import select

from copractice.extensions import db
from copractice.meetings.agenda_models import AgendaItem, MeetingAction
from tests.conftest import PASSWORD, AuthActions, post_form
from tests.privacy_data import EMAIL, member_with_everything


def test_items_led_and_actions_owned_are_exported_and_lose_the_name_on_erasure(app, client):
    data = member_with_everything(app)
    AuthActions(client).login(EMAIL)
    work = client.get("/account/data.json").get_json()["meeting_work"]
    assert [i["item"] for i in work["agenda_items_led"]] == ["Welcome"]
    assert [(a["action"], a["status"]) for a in work["actions_owned"]] == [("Book the accessible room", "Open")]
    page = client.get("/account/data").get_data(as_text=True)
    assert "Group meetings" in page and "Book the accessible room" in page
    gone = post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    assert "Your account has been deleted" in gone.get_data(as_text=True)
    with app.app_context():
        action = db.session.scalar(select(MeetingAction).where(MeetingAction.description == "Book the accessible room"))
        item = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Welcome"))
        assert action is not None and action.owner_id is None
        assert item is not None and item.lead_id is None
    assert data.member_id
