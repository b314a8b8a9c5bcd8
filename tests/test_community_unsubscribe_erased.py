"""An unsubscribe link of a member whose account has since been deleted (review of issue 14): old emails keep their
links, and a mail program may still press "Unsubscribe". The link shows a clear page saying the account is closed
(no 500, no "you will still see notices when you log in"), and nothing is written: no email choice, no watch
re-created for an erased member."""
from sqlalchemy import func, select

from copractice.community import watching
from copractice.community.digests import unsubscribe_url
from copractice.community.models import Space
from copractice.community.watch_models import CommunityEmailChoice, SpaceWatch
from copractice.extensions import db
from copractice.members.data_rights import erase_member
from copractice.members.models import Member
from copractice.testing import create_member


def rows(model, member_id):
    return db.session.scalar(select(func.count()).select_from(model).where(model.member_id == member_id))


def test_an_erased_members_unsubscribe_link_says_the_account_is_closed_and_writes_nothing(app, client):
    with app.test_request_context():
        member = create_member(name="Gone Soon")
        space = Space(slug="unsubscribe-erased", name="Unsubscribe erased", visibility="members")
        db.session.add(space)
        db.session.flush()
        watching.set_space_level(member, space, "watching")
        watching.set_delivery(member, "daily")
        path = unsubscribe_url(member).removeprefix("http://localhost")
        erase_member(member)
        db.session.commit()
        member_id = member.id
        assert rows(CommunityEmailChoice, member_id) == rows(SpaceWatch, member_id) == 0

    for response in (client.get(path), client.post(path, data={"List-Unsubscribe": "One-Click"})):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "This account is closed" in html
        assert "Stop community emails" not in html and "when you log in" not in html

    with app.app_context():
        assert rows(CommunityEmailChoice, member_id) == rows(SpaceWatch, member_id) == 0
        assert db.session.get(Member, member_id).erased_at is not None


def test_a_link_for_an_account_that_is_gone_altogether_says_the_same(app, client):
    with app.test_request_context():
        member = create_member()
        path = unsubscribe_url(member).removeprefix("http://localhost")
        db.session.delete(member)
        db.session.commit()
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "This account is closed" in response.get_data(as_text=True)
    assert client.get(path + "x").status_code == 400  # a broken link is still told apart
