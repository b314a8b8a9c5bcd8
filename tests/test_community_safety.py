"""Who may post where and which posts wait (issue 14 point 4), and the safety hooks (point 8).

The rules are called as the posting operations call them (check_may_post, hold_new_post: the factory's
write_post); the hooks are tested with small plugins (tests/plugins/community_safety_*.py).
"""
from datetime import timedelta

import pytest
from sqlalchemy import select

from copractice.community.models import Post
from copractice.community.moderation import approve, stop_posting
from copractice.community.safety import check_may_post, hold_new_post, is_young
from copractice.errors import Refused
from copractice.extensions import db
from copractice.testing import set_profile_answer
from copractice.timeutil import utcnow
from tests.community_safety_factory import make_space, make_topic, write_post
from tests.conftest import AuthActions, create_member, csrf_from


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_new_members_first_posts_wait_then_they_post_freely(app, ctx):
    app.config["COMMUNITY_HELD_FIRST_POSTS"] = 2
    author, moderator = create_member(name="Rosa Carer"), create_member(name="Mo Moderator")
    space = make_space(moderators=[moderator])
    first = write_post(space, author, "My first post")
    assert first.status == "held" and first.published_at is None
    approve(moderator, first)
    second = write_post(space, author, "My second post", topic=first.topic)
    assert second.status == "held"  # one published post so far: fewer than 2
    approve(moderator, second)
    third = write_post(space, author, "Now I am known here", topic=first.topic)
    assert third.status == "published"


def test_the_number_of_held_first_posts_is_a_setting(app, ctx):
    app.config["COMMUNITY_HELD_FIRST_POSTS"] = 0
    space = make_space()
    assert write_post(space, create_member(), "Straight in").status == "published"


def test_moderators_of_the_space_are_never_held_in_it(app, ctx):
    lead, moderator = create_member(), create_member()
    space = make_space(leads=[lead], moderators=[moderator])
    assert not hold_new_post(lead, space) and not hold_new_post(moderator, space)
    assert hold_new_post(moderator, make_space())  # another space: a newcomer there


def test_a_young_persons_posts_always_wait(app, ctx):
    young = create_member(name="Sam Young", under_18=True)
    moderator = create_member()
    space = make_space(young_people=True, moderators=[moderator])
    for number in range(4):
        post = write_post(space, young, f"Post {number}")
        assert post.status == "held"
        approve(moderator, post)


def test_young_people_post_only_in_spaces_for_young_people(app, ctx):
    young = create_member(under_18=True)
    with pytest.raises(Refused, match="This space is for adults. Members under 18 can post in the spaces for young"):
        check_may_post(young, make_space(young_people=False))
    check_may_post(young, make_space(young_people=True))  # no refusal
    check_may_post(create_member(), make_space(young_people=True))  # adults may post there too


def test_a_stopped_member_is_refused_with_the_reason_until_the_end_date(app, ctx):
    moderator, member = create_member(), create_member()
    space, elsewhere = make_space(moderators=[moderator]), make_space()
    stop = stop_posting(moderator, member, space, "Please keep to the topic.", until=utcnow() + timedelta(days=3))
    with pytest.raises(Refused, match="stopped you posting in this space until .* Please keep to the topic."):
        check_may_post(member, space)
    check_may_post(member, elsewhere)  # a stop in one space only
    stop.until = utcnow() - timedelta(minutes=1)
    db.session.flush()
    check_may_post(member, space)  # the stop has ended


def test_an_admin_stops_a_member_posting_everywhere(app, ctx):
    admin, member = create_member(role="admin"), create_member()
    stop_posting(admin, member, None, "Repeated abuse.")
    from copractice.testing import audit_entries

    assert [(e.target_id, e.reason) for e in audit_entries("community.posting_stopped")] == [
        (str(member.id), "Repeated abuse.")]
    for space in (make_space(), make_space()):
        with pytest.raises(Refused, match="stopped you posting in any space"):
            check_may_post(member, space)


def test_members_who_cannot_read_a_space_cannot_post_in_it(app, ctx):
    private = make_space(visibility="private")
    with pytest.raises(Refused, match="You cannot post in this space"):
        check_may_post(create_member(), private)


def test_under_18_is_asked_at_registration(app, client):
    from copractice.members.models import Member

    page = client.get("/register").get_data(as_text=True)
    assert "Are you under 18?" in page
    form = {"csrf_token": csrf_from(page), "name": "Sam Young", "email": "sam@example.org", "stakeholder_type":
            "public_contributor", "area": "kent", "password": "correct horse battery staple",
            "confirm": "correct horse battery staple", "under_18": "yes"}
    assert client.post("/register", data=form).status_code == 200
    form.update(email="ada@example.org", name="Ada Adult", under_18="no")
    client.post("/register", data=form)
    form.update(email="nobody@example.org", name="No Answer")
    del form["under_18"]
    client.post("/register", data=form)
    with app.app_context():
        got = dict(db.session.execute(select(Member.email, Member.under_18)).all())
    assert got == {"sam@example.org": True, "ada@example.org": False, "nobody@example.org": False}


def test_an_admin_records_that_a_member_is_under_18(app, client):
    from copractice.members.models import Member
    from copractice.testing import audit_entries

    with app.app_context():
        create_member(role="admin", email="admin@example.org")
        member_id = create_member(name="Kit").id
    AuthActions(client).login("admin@example.org")
    page = client.get(f"/admin/members/{member_id}").get_data(as_text=True)
    assert "Is Kit under 18?" in page
    response = client.post(f"/admin/members/{member_id}/under-18", data={"csrf_token": csrf_from(page),
                                                                          "under_18": "yes"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Member, member_id).under_18 is True
        assert [(e.before, e.after) for e in audit_entries("member.under_18")] == [
            ({"under_18": False}, {"under_18": True})]


class TestHooks:
    @pytest.fixture
    def app_settings(self):
        return {"EXTRA_PLUGINS": ["safetyrules=tests.plugins.community_safety_plugin",
                                  "safetycrash=tests.plugins.community_safety_crashy"]}

    def test_may_post_refuses_with_the_plugins_reason(self, app, enable_plugin):
        enable_plugin("safetyrules")
        with app.test_request_context():
            member = create_member()
            with pytest.raises(Refused, match="A parent or guardian needs to agree before you post here."):
                check_may_post(member, make_space(name="Consent needed"))
            check_may_post(member, make_space(name="Open to all"))

    def test_may_post_fails_closed(self, app, enable_plugin, caplog):
        enable_plugin("safetycrash")
        with app.test_request_context():
            member = create_member()
            app.config["COMMUNITY_HELD_FIRST_POSTS"] = 0
            with pytest.raises(Refused, match="could not check whether you can post here"):
                check_may_post(member, make_space(young_people=True))
        assert "posting check of plugin safetycrash failed" in caplog.text

    def test_is_young_widens_who_is_protected(self, app, enable_plugin):
        with app.test_request_context():
            member = create_member(name="Young by plugin Alex")
            space = make_space()
            assert not is_young(member)
            check_may_post(member, space)
        enable_plugin("safetyrules")
        with app.test_request_context():
            member = db.session.merge(member)
            assert is_young(member)
            with pytest.raises(Refused, match="This space is for adults"):
                check_may_post(member, db.session.merge(space))
            assert not is_young(create_member(name="Grown up"))

    def test_is_young_fails_closed(self, app, enable_plugin, caplog):
        enable_plugin("safetycrash")
        with app.test_request_context():
            assert is_young(create_member(name="Anyone"))
        assert "young-person check of plugin safetycrash failed" in caplog.text

    def test_flag_raised_is_told_and_a_crash_is_skipped(self, app, enable_plugin):
        from copractice.community.moderation import raise_flag
        from tests.plugins import community_safety_plugin

        community_safety_plugin.FLAGS.clear()
        enable_plugin("safetyrules")
        enable_plugin("safetycrash")
        with app.test_request_context():
            author, reader = create_member(), create_member()
            _, post = make_topic(make_space(), author)
            flag = raise_flag(reader, post, "unkind", "Rude")
            assert [(post.id, reader.id, "unkind")] == community_safety_plugin.FLAGS
            raise_flag(reader, post, "unkind")  # the same flag again: not a new one
            assert len(community_safety_plugin.FLAGS) == 1
            assert flag.id is not None  # the crashing listener did not stop the flag


def test_starting_well_counts_under_18_age_bands_as_young(app, enable_plugin):
    pytest.importorskip("copractice_childrens_mental_health")
    enable_plugin("childrens_mental_health")
    with app.test_request_context():
        bands = {}
        for band in ("under_13", "13_15", "16_17", "18_24", "25_plus", None):
            member = create_member()
            if band:
                set_profile_answer(member, "childrens_mental_health", "age_band", band)
            bands[band] = member
        db.session.flush()
        assert {band: is_young(m) for band, m in bands.items()} == {
            "under_13": True, "13_15": True, "16_17": True, "18_24": False, "25_plus": False, None: False}
        with pytest.raises(Refused, match="This space is for adults"):
            check_may_post(bands["16_17"], make_space())


def test_a_held_first_post_keeps_its_topic_out_of_the_counts(app, ctx):
    author, moderator = create_member(), create_member()
    space = make_space(moderators=[moderator])
    topic, first = make_topic(space, moderator)
    reply = write_post(space, author, "A held reply", topic=topic)
    assert reply.status == "held" and topic.reply_count == 0
    approve(moderator, reply)
    assert topic.reply_count == 1 and topic.last_posted_at == reply.published_at
    assert db.session.scalar(select(Post.status).where(Post.id == reply.id)) == "published"
