"""Daily and weekly digests of the community, one per member and period, and one-click unsubscribe (issue 14 point 3).

Counted as the real SMTP server (aiosmtpd) received them, after a delivery round of the outbox.
"""
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from copractice.community import watching
from copractice.community.digests import period_of, send_digests, unsubscribe_url
from copractice.community.watch_models import CommunityDigest, CommunityNotification
from copractice.extensions import db
from copractice.members.models import Member
from copractice.notifications.models import OutboxMessage
from copractice.notifications.operations import deliver_due, queue_email
from copractice.timeutil import utcnow
from tests.concurrency_helpers import at_once
from tests.conftest import POSTGRES_URL, create_member
from tests.test_community_watching import make_space, reply, start_topic


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield
        db.session.remove()


# A Monday, after the digest hour: daily and weekly digests are both due.
MONDAY = datetime(2026, 12, 7, 8, 0)


def watchers(space, *choices):
    members = []
    for how in choices:
        member = create_member(name=f"Reader {how}")
        watching.set_delivery(member, how)
        watching.set_space_level(member, space, "watching")
        members.append(member)
    db.session.commit()
    return members


def test_the_digest_period_and_when_it_is_due(app, ctx):
    assert period_of("daily", MONDAY) == "daily:2026-12-07"
    assert period_of("daily", MONDAY.replace(hour=6)) is None  # before COMMUNITY_DIGEST_HOUR (7)
    assert period_of("weekly", MONDAY) == "weekly:2026-W50"
    assert period_of("weekly", MONDAY + timedelta(days=3)) == "weekly:2026-W50"  # any day after Monday's hour
    assert period_of("weekly", MONDAY.replace(hour=6)) is None
    assert period_of("immediate", MONDAY) is None


def test_each_member_gets_one_digest_per_period_with_what_they_were_not_mailed(app, ctx, mailbox):
    space = make_space(name="Regional forum")
    author = create_member(name="Asha Khan")
    daily, weekly, immediate, nothing = watchers(space, "daily", "weekly", "immediate", "none")
    topic, _first = start_topic(space, author, "First thoughts on the budget", title="Budgets",
                                at=MONDAY - timedelta(hours=3))
    reply(topic, author, "And a second thought.", at=MONDAY - timedelta(hours=2))

    assert send_digests(now=MONDAY) == 2  # the daily and the weekly reader
    assert send_digests(now=MONDAY + timedelta(minutes=15)) == 0  # a second run sends nothing
    assert [len(mailbox.to(m.email)) for m in (daily, weekly, immediate, nothing)] == [1, 1, 0, 0]
    digest = mailbox.to(daily.email)[0]
    assert digest["Subject"] == "Your daily community digest: 2 new posts"
    body = mailbox.body(digest)
    assert "Regional forum: Budgets" in body and "First thoughts on the budget" in body
    assert f"http://localhost/community/topics/{topic.id}#post-2" in body
    assert "http://localhost/community/unsubscribe/" in body
    assert digest["List-Unsubscribe"] == f"<{mailbox.link(daily.email, '/community/unsubscribe/')}>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mailbox.to(weekly.email)[0]["Subject"] == "Your weekly community digest: 2 new posts"

    # The next post: the daily reader gets it the next day, never twice; the weekly reader had this week's.
    reply(topic, author, "A third thought.", at=MONDAY + timedelta(hours=1))
    assert send_digests(now=MONDAY + timedelta(hours=2)) == 0  # today's digest went already
    assert send_digests(now=MONDAY + timedelta(days=1)) == 1
    assert send_digests(now=MONDAY + timedelta(days=1, minutes=15)) == 0
    assert [len(mailbox.to(m.email)) for m in (daily, weekly)] == [2, 1]
    assert "A third thought." in mailbox.body(mailbox.to(daily.email)[1])
    assert "First thoughts" not in mailbox.body(mailbox.to(daily.email)[1])
    assert send_digests(now=MONDAY + timedelta(days=7)) == 1  # the weekly reader, next week
    assert db.session.scalar(select(func.count()).select_from(CommunityDigest)) == 4


def test_a_digest_waits_for_the_edit_window_and_leaves_out_hidden_posts_and_lost_spaces(app, ctx, mailbox):
    space = make_space()
    author = create_member()
    (reader,) = watchers(space, "daily")
    topic, first = start_topic(space, author, "Written just now", at=MONDAY - timedelta(minutes=5))
    assert send_digests(now=MONDAY) == 0  # within the edit window
    first.status = "hidden"
    db.session.commit()
    assert send_digests(now=MONDAY + timedelta(minutes=30)) == 0
    private = make_space(visibility="private")
    db.session.add(CommunityNotification(member_id=reader.id, post_id=start_topic(
        private, author, at=MONDAY - timedelta(hours=1))[1].id, reason="watching"))  # told once, no longer invited
    db.session.commit()
    assert send_digests(now=MONDAY + timedelta(hours=1)) == 0 and mailbox.messages == []


def test_no_digest_for_erased_or_inactive_members(app, ctx, mailbox):
    space = make_space()
    author = create_member()
    gone, off = watchers(space, "daily", "daily")
    start_topic(space, author, at=MONDAY - timedelta(hours=1))
    db.session.get(Member, gone.id).erased_at = MONDAY
    db.session.get(Member, off.id).active = False
    db.session.commit()
    assert send_digests(now=MONDAY) == 0 and mailbox.messages == []


@pytest.mark.skipif(not POSTGRES_URL, reason="two runs at once need PostgreSQL's row locks to meet")
def test_two_digest_runs_at_the_same_moment_send_one_digest(app, mailbox):
    with app.app_context():
        space = make_space()
        author = create_member()
        (reader,) = watchers(space, "daily")
        start_topic(space, author, at=MONDAY - timedelta(hours=1))
        email = reader.email
    results = at_once(app, [lambda: send_digests(now=MONDAY), lambda: send_digests(now=MONDAY)])
    assert sorted(results) == [0, 1]
    assert len(mailbox.to(email)) == 1


def test_two_digest_runs_one_after_the_other_send_one_digest(app, mailbox):
    with app.app_context():
        space = make_space()
        author = create_member()
        (reader,) = watchers(space, "daily")
        start_topic(space, author, at=MONDAY - timedelta(hours=1))
        email = reader.email
    for _run in range(2):
        with app.test_request_context():
            send_digests(now=MONDAY)
            db.session.commit()
    assert len(mailbox.to(email)) == 1


def test_the_digest_job_is_on_the_schedule(app):
    from copractice.jobs import PERIODIC, jobs_for

    jobs = jobs_for(app)
    jobs.huey  # noqa: B018  (defines the tasks)
    assert {"community_digests", "community_mail_posts"} <= set(jobs.tasks)
    assert PERIODIC["community_digests"][2] is True  # builds links: runs with BASE_URL's request context


# -- one-click unsubscribe -------------------------------------------------------------------------------------

def test_one_click_unsubscribe_works_without_signing_in_and_only_with_a_post(app, client):
    with app.test_request_context():
        member = create_member()
        url = unsubscribe_url(member)
        member_id = member.id
    path = url.removeprefix("http://localhost")
    page = client.get(path)
    assert page.status_code == 200 and "Stop community emails" in page.get_data(as_text=True)
    with app.app_context():
        assert watching.delivery(db.session.get(Member, member_id)) == "daily"  # a GET (a link checker) changes nothing
    # What a mail program sends (RFC 8058): a POST with this body, no cookies and no CSRF token.
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "Community emails stopped" in done.get_data(as_text=True)
    with app.app_context():
        assert watching.delivery(db.session.get(Member, member_id)) == "none"
    assert client.post(path + "x").status_code == 400
    assert client.get("/community/unsubscribe/not-a-real-token").status_code == 400


def test_a_member_who_unsubscribed_gets_no_digest(app, ctx, client, mailbox):
    space = make_space()
    author = create_member()
    (reader,) = watchers(space, "daily")
    start_topic(space, author, at=MONDAY - timedelta(hours=1))
    assert client.post(unsubscribe_url(reader).removeprefix("http://localhost")).status_code == 200
    db.session.expire_all()
    assert send_digests(now=MONDAY) == 0 and mailbox.messages == []


# -- the outbox carries extra headers --------------------------------------------------------------------------

def test_the_outbox_sends_extra_headers_and_never_lets_them_replace_its_own(app, ctx, mailbox):
    member = create_member()
    queue_email(kind="community_digest", to=member.email, template="password_changed", member=member,
                headers={"List-Unsubscribe": "<https://example.org/u>", "List-Unsubscribe-Post": "x"})
    forged = queue_email(kind="community_digest", to=member.email, template="password_changed", member=member,
                         headers={"From": "someone@evil.example"})
    db.session.commit()
    received = mailbox.to(member.email)
    assert len(received) == 1 and received[0]["List-Unsubscribe"] == "<https://example.org/u>"
    assert db.session.get(OutboxMessage, forged.id).status == "failed"
    assert deliver_due() == (0, 0)


def test_the_community_mail_command_queues_what_is_due_once(app, runner, mailbox):
    app.config["COMMUNITY_DIGEST_HOUR"] = 0
    with app.test_request_context():
        space = make_space()
        author = create_member()
        daily, immediate = watchers(space, "daily", "immediate")
        start_topic(space, author, at=utcnow() - timedelta(minutes=20))
        emails = daily.email, immediate.email
    first = runner.invoke(args=["community-mail"])
    assert first.exit_code == 0 and "post emails queued 1, digests queued 1" in first.output
    assert "post emails queued 0, digests queued 0" in runner.invoke(args=["community-mail"]).output
    assert [len(mailbox.to(e)) for e in emails] == [1, 1]
