"""A plugin that cannot erase its data stops the erasure with nothing changed; one that cannot
answer for its data is named in the export instead of breaking it (issue 11 points 12 and 13)."""
import pytest
from sqlalchemy import func, select

from copractice.courses.models import ENROLLED, WAITING, Enrolment
from copractice.extensions import db
from copractice.members.models import ConsentEvent, Member
from tests.conftest import PASSWORD, AuthActions, post_form
from tests.privacy_data import EMAIL, NAME, member_with_everything


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["failing=tests.plugins.failing_erasure_plugin"]}


@pytest.fixture
def data(app):
    return member_with_everything(app)


def test_a_plugin_that_fails_to_erase_stops_the_erasure_with_nothing_changed(app, client, data):
    # Installed but not enabled: its data is still the member's, so it is still asked to erase it.
    AuthActions(client).login(EMAIL)
    response = post_form(client, "/account/delete", {"password": PASSWORD, "confirm": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "We could not delete your account just now" in page
    assert "nothing has been changed" in page
    with app.app_context():
        member = db.session.get(Member, data.member_id)
        assert (member.name, member.email, member.erased_at) == (NAME, EMAIL, None)
        assert db.session.scalar(select(func.count()).select_from(ConsentEvent)
                                 .where(ConsentEvent.member_id == data.member_id)) == 1  # the plugin's half-work undone
        status = dict(db.session.execute(select(Enrolment.member_id, Enrolment.status)
                                         .where(Enrolment.course_id == data.full_course_id)).all())
        assert status[data.member_id] == ENROLLED and status[data.waiter_id] == WAITING
        from copractice_dementia.models import Companion

        assert db.session.scalar(select(func.count()).select_from(Companion)) == 1
    assert client.get("/account").status_code == 200  # still logged in


def test_erasure_called_directly_raises_and_the_caller_rolls_back(app, data):
    from copractice.members.data_rights import ErasureFailed, erase_member

    with app.test_request_context():
        member = db.session.get(Member, data.member_id)
        with pytest.raises(ErasureFailed):
            erase_member(member)
        db.session.rollback()
        assert db.session.get(Member, data.member_id).erased_at is None


def test_a_plugin_that_cannot_answer_is_named_in_the_export(client, data):
    AuthActions(client).login(EMAIL)
    got = client.get("/account/data.json").get_json()
    assert got["plugins_not_answering"] == ["failing"]
    assert "dementia" in got["plugins"] and got["account"]["email"] == EMAIL
    page = client.get("/account/data").get_data(as_text=True)
    assert "We could not ask failing just now" in page
