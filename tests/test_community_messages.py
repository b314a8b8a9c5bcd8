"""Issue 14 point 6: messages between members, through the site only.

Conversations one to one and in small groups, unread markers, leaving, blocking, reporting to admins, the limit
on new conversations, the email notice (by choice, without the text), no private messages between adults and
under-18s, the plugin hook, erasure and export, and the attacks: someone else's conversation, CSRF, bad input.
Runs on SQLite and, with COPRACTICE_TEST_DATABASE_URL set, on PostgreSQL.
"""
import pytest
from sqlalchemy import func, select

from copractice.community import messages as ops
from copractice.community.message_models import Block, Conversation, Message, Participant, Report
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import ConsentEvent, Member
from copractice.notifications.models import EmailPreference, Notice, OutboxMessage
from copractice.testing import log_in
from tests.conftest import csrf_from
from tests.query_budget import queries_for


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["message_rules=tests.plugins.message_rules_plugin",
                              "message_crash=tests.plugins.message_rules_crashing"]}


@pytest.fixture
def people(make_member):
    """Ann and Bea (adults), Yaz and Zoe (under 18) and an admin."""
    return {
        "ann": make_member(name="Ann Adams", email="ann@example.org"),
        "bea": make_member(name="Bea Brown", email="bea@example.org"),
        "yaz": make_member(name="Yaz Young", email="yaz@example.org", under_18=True),
        "zoe": make_member(name="Zoe Young", email="zoe@example.org", under_18=True),
        "admin": make_member(name="Ada Admin", email="admin@example.org", role="admin"),
    }


def client_for(app, member):
    client = app.test_client()
    log_in(client, member)
    return client


def send_new(client, to, body, page=None):
    """Post the new-conversation form as a browser would, the token from the page it is on."""
    to = to if isinstance(to, list) else [to]
    html = client.get(page or "/messages/new?" + "&".join(f"to={i}" for i in to)).get_data(as_text=True)
    return client.post("/messages/new", data={"csrf_token": csrf_from(html), "to": [str(i) for i in to],
                                              "body": body})


def send_reply(client, conversation_id, body):
    html = client.get(f"/messages/{conversation_id}").get_data(as_text=True)
    return client.post(f"/messages/{conversation_id}/reply", data={"csrf_token": csrf_from(html), "body": body})


def get(member_id):
    return db.session.get(Member, member_id)


def start(app, sender, recipients, body="Hello"):
    with app.test_request_context():
        conversation = ops.start_conversation(get(sender.id), [get(r.id) for r in recipients], body)
        db.session.commit()
        return conversation.id


def count(model):
    return db.session.scalar(select(func.count()).select_from(model))


# -- conversations: start, reply, unread, leave -------------------------------------------------------------------

def test_a_member_writes_to_another_who_sees_it_unread_and_replies(app, people):
    ann, bea = client_for(app, people["ann"]), client_for(app, people["bea"])
    page = ann.get(f"/messages/new?to={people['bea'].id}").get_data(as_text=True)
    assert "Bea Brown" in page and "Send message" in page
    response = send_new(ann, people["bea"].id, "Would you like to run the carers' session with me?")
    assert response.status_code == 302
    conversation_id = int(response.headers["Location"].rsplit("/", 1)[1])

    inbox = bea.get("/messages/").get_data(as_text=True)
    assert "Conversation with Ann Adams" in inbox and "New" in inbox
    assert "Conversation with Bea Brown" in ann.get("/messages/").get_data(as_text=True)
    assert ">New<" not in ann.get("/messages/").get_data(as_text=True)  # the writer has read their own message
    shown = bea.get(f"/messages/{conversation_id}").get_data(as_text=True)
    assert "Would you like to run the carers&#39; session with me?" in shown
    assert ">New<" not in bea.get("/messages/").get_data(as_text=True)  # read now

    assert send_reply(bea, conversation_id, "Yes please!\nTuesday suits me.").status_code == 302
    assert ">New<" in ann.get("/messages/").get_data(as_text=True)
    assert "Yes please!<br>Tuesday suits me." in ann.get(f"/messages/{conversation_id}").get_data(as_text=True)
    with app.app_context():
        assert count(Conversation) == 1 and count(Message) == 2


def test_no_email_address_appears_on_any_page_or_in_the_email(app, people, mailbox):
    with app.app_context():
        db.session.add_all([ConsentEvent(member_id=people["bea"].id, kind="directory", granted=True)])
        db.session.commit()
    ann, bea = client_for(app, people["ann"]), client_for(app, people["bea"])
    search = ann.get("/messages/new?q=bea").get_data(as_text=True)
    assert "Bea Brown" in search
    conversation_id = int(send_new(ann, people["bea"].id, "Hello Bea").headers["Location"].rsplit("/", 1)[1])
    pages = [search, ann.get("/messages/").get_data(as_text=True), bea.get("/messages/").get_data(as_text=True),
             ann.get(f"/messages/{conversation_id}").get_data(as_text=True),
             bea.get(f"/messages/{conversation_id}").get_data(as_text=True)]
    with app.app_context():
        message_id = db.session.scalar(select(Message.id))
    pages.append(bea.get(f"/messages/{conversation_id}/messages/{message_id}/report").get_data(as_text=True))
    for page in pages:
        assert "ann@example.org" not in page and "bea@example.org" not in page
    [email] = mailbox.to("bea@example.org")
    assert "ann@example.org" not in mailbox.body(email) and "ann@example.org" not in email["Subject"]


def test_the_name_search_finds_only_people_who_can_be_messaged(app, people, make_member):
    hidden = make_member(name="Bea Hidden")  # not in the directory, no conversation with Ann
    with app.app_context():
        for member in (people["bea"], people["zoe"], hidden):
            db.session.add(ConsentEvent(member_id=member.id, kind="directory", granted=True))
        db.session.add(ConsentEvent(member_id=hidden.id, kind="directory", granted=False))  # withdrew since
        db.session.commit()
    with app.app_context():
        ann = get(people["ann"].id)
        assert [r.name for r in ops.find_people(ann, "bea")] == ["Bea Brown"]
        assert ops.find_people(ann, "zoe") == []  # under 18: not for an adult
        assert [r.name for r in ops.find_people(get(people["yaz"].id), "young")] == ["Zoe Young"]
        db.session.add(Block(blocker_id=people["bea"].id, blocked_id=people["ann"].id))
        db.session.commit()
        assert ops.find_people(ann, "bea") == []
        assert ops.find_people(ann, "%") == [] and ops.find_people(ann, "_") == []


def test_small_groups_up_to_eight_people(app, make_member, people):
    others = [make_member(name=f"Group Member {n}") for n in range(8)]
    conversation_id = start(app, people["ann"], others[:7], "Welcome, everyone")
    with app.app_context():
        assert len(db.session.get(Conversation, conversation_id).participants) == 8
    client = client_for(app, people["ann"])
    response = send_new(client, [o.id for o in others], "One too many")
    assert "A conversation can have up to 8 people" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Conversation) == 1


def test_leaving_a_conversation(app, people, make_member):
    cy = make_member(name="Cy Clark")
    conversation_id = start(app, people["ann"], [people["bea"], cy], "Group hello")
    bea = client_for(app, people["bea"])
    assert bea.get(f"/messages/{conversation_id}").status_code == 200
    html = bea.get(f"/messages/{conversation_id}").get_data(as_text=True)
    response = bea.post(f"/messages/{conversation_id}/leave", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    assert bea.get(f"/messages/{conversation_id}").status_code == 404
    assert "Conversation with" not in bea.get("/messages/").get_data(as_text=True)
    ann = client_for(app, people["ann"])
    assert "Bea Brown left this conversation" in ann.get(f"/messages/{conversation_id}").get_data(as_text=True)
    send_reply(ann, conversation_id, "Still here, Cy?")
    with app.app_context():
        left = db.session.scalar(select(Participant).where(Participant.member_id == people["bea"].id))
        assert left.last_delivered_at < left.left_at  # nothing more reached her
        assert db.session.scalar(select(func.count(Notice.id)).where(Notice.member_id == people["bea"].id)) == 1


# -- blocks -------------------------------------------------------------------------------------------------------

def test_a_block_stops_new_conversations_both_ways_and_delivery_to_the_blocker(app, people):
    conversation_id = start(app, people["ann"], [people["bea"]], "Hi Bea")
    ann, bea = client_for(app, people["ann"]), client_for(app, people["bea"])
    bea.get(f"/messages/{conversation_id}")  # Bea reads it
    html = ann.get(f"/messages/{conversation_id}").get_data(as_text=True)
    assert ann.post(f"/messages/people/{people['bea'].id}/block",
                    data={"csrf_token": csrf_from(html), "conversation": conversation_id}).status_code == 302
    assert "Bea Brown" in ann.get("/messages/blocked").get_data(as_text=True)

    for client, other in ((ann, people["bea"]), (bea, people["ann"])):
        page = send_new(client, other.id, "Can we talk?", page="/messages/new").get_data(as_text=True)
        assert f"You cannot start a conversation with {other.name}" in page
    with app.app_context():
        assert count(Conversation) == 1

    with app.app_context():
        notices_before = db.session.scalar(select(func.count(Notice.id)).where(Notice.member_id == people["ann"].id))
    assert send_reply(bea, conversation_id, "You cannot ignore me").status_code == 302  # Bea is not told
    assert "You cannot ignore me" not in ann.get(f"/messages/{conversation_id}").get_data(as_text=True)
    assert ">New<" not in ann.get("/messages/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Notice.id)).where(
            Notice.member_id == people["ann"].id)) == notices_before
        assert "You cannot ignore me" not in str(ops.export_member_messages(get(people["ann"].id)))

    html = ann.get("/messages/blocked").get_data(as_text=True)
    ann.post(f"/messages/people/{people['bea'].id}/unblock", data={"csrf_token": csrf_from(html)})
    with app.app_context():
        assert count(Block) == 0
    assert send_new(ann, people["bea"].id, "Sorry, let us talk").status_code == 302


# -- reports ------------------------------------------------------------------------------------------------------

def test_a_reported_message_reaches_the_admins_by_notice_and_email(app, people, mailbox):
    conversation_id = start(app, people["ann"], [people["bea"]], "Give me your bank details")
    bea = client_for(app, people["bea"])
    with app.app_context():
        message_id = db.session.scalar(select(Message.id))
    url = f"/messages/{conversation_id}/messages/{message_id}/report"
    html = bea.get(url).get_data(as_text=True)
    assert "Give me your bank details" in html
    refused = bea.post(url, data={"csrf_token": csrf_from(html), "reason": "not-a-reason"}).get_data(as_text=True)
    assert "Not a valid choice" in refused or "Choose why" in refused
    response = bea.post(url, data={"csrf_token": csrf_from(html), "reason": "spam", "details": "Asked for money"})
    assert response.status_code == 302
    with app.app_context():
        [row] = db.session.scalars(select(Report)).all()
        assert (row.reason, row.details, row.reporter_id) == ("spam", "Asked for money", people["bea"].id)
        [notice] = db.session.scalars(select(Notice).where(Notice.member_id == people["admin"].id)).all()
        assert notice.kind == "message_reported" and notice.link == "http://localhost/messages/reports"
    [email] = mailbox.to("admin@example.org")
    assert "It is spam or advertising" in mailbox.body(email)
    assert "bank details" not in mailbox.body(email) and "Ann Adams" not in mailbox.body(email)

    assert client_for(app, people["ann"]).get("/messages/reports").status_code == 403
    admin = client_for(app, people["admin"])
    page = admin.get("/messages/reports").get_data(as_text=True)
    assert "Give me your bank details" in page and "Asked for money" in page and "Ann Adams" in page
    admin.post(f"/messages/reports/{row.id}/resolve", data={"csrf_token": csrf_from(page)})
    assert "No reports are waiting" in admin.get("/messages/reports").get_data(as_text=True)
    # Admins cannot read the conversation itself.
    assert admin.get(f"/messages/{conversation_id}").status_code == 404


# -- the limit on new conversations -------------------------------------------------------------------------------

def test_the_eleventh_new_conversation_in_an_hour_is_refused_and_nothing_is_made(app, people, make_member):
    others = [make_member(name=f"Friend {n}") for n in range(11)]
    ann = client_for(app, people["ann"])
    for friend in others[:10]:
        assert send_new(ann, friend.id, f"Hello {friend.name}").status_code == 302
    response = send_new(ann, others[10].id, "Hello number eleven")
    assert response.status_code == 200
    assert "You have started 10 conversations in the last hour" in response.get_data(as_text=True)
    page = ann.get(f"/messages/new?to={others[10].id}").get_data(as_text=True)  # said before writing
    assert "You have started 10 conversations in the last hour" in page and "Send message" not in page
    with app.app_context():
        assert count(Conversation) == 10 and count(Message) == 10
        assert db.session.scalar(select(func.count(Participant.id)).where(
            Participant.member_id == others[10].id)) == 0
    # Replies are not limited.
    with app.app_context():
        first = db.session.scalar(select(Conversation.id).order_by(Conversation.id))
    assert send_reply(ann, first, "A reply is fine").status_code == 302


def test_the_limit_counts_only_the_last_hour(app, people, make_member):
    from datetime import timedelta

    from copractice.timeutil import utcnow

    friend = make_member()
    with app.test_request_context():
        ann = get(people["ann"].id)
        for _ in range(10):
            ops.start_conversation(ann, [get(friend.id)], "Hi", now=utcnow() - timedelta(minutes=61))
        ops.start_conversation(ann, [get(friend.id)], "Hi again")
        with pytest.raises(Refused):
            for _ in range(10):
                ops.start_conversation(ann, [get(friend.id)], "And again")
        assert ops.started_in_last_hour(ann) == 10


# -- the email notice ---------------------------------------------------------------------------------------------

def test_the_email_says_who_wrote_and_links_to_the_conversation_without_the_text(app, people, mailbox):
    conversation_id = start(app, people["ann"], [people["bea"]], "My private worry about the course")
    [email] = mailbox.to("bea@example.org")
    body = mailbox.body(email)
    assert email["Subject"] == "Ann Adams sent you a message"
    assert f"http://localhost/messages/{conversation_id}" in body
    assert "private worry" not in body and "private worry" not in email["Subject"]
    # One email per conversation until she reads it.
    start_more = client_for(app, people["ann"])
    send_reply(start_more, conversation_id, "Another message")
    send_reply(start_more, conversation_id, "And another")
    assert len(mailbox.to("bea@example.org")) == 1
    bea = client_for(app, people["bea"])
    bea.get(f"/messages/{conversation_id}")
    send_reply(start_more, conversation_id, "After you read")
    assert len(mailbox.to("bea@example.org")) == 2


def test_members_switch_the_email_off_on_their_email_settings_page(app, people, mailbox):
    bea = client_for(app, people["bea"])
    page = bea.get("/account/notifications").get_data(as_text=True)
    assert "A member sends you a message" in page
    kept = ["enrolled", "session_reminder"]  # every box but messages ticked
    bea.post("/account/notifications", data={"csrf_token": csrf_from(page), "email": kept})
    with app.app_context():
        assert db.session.scalar(select(EmailPreference.email).where(
            EmailPreference.member_id == people["bea"].id, EmailPreference.kind == "message_received")) is False
    start(app, people["ann"], [people["bea"]], "Hello")
    assert mailbox.to("bea@example.org") == []
    with app.app_context():  # the notice on the site still comes
        assert db.session.scalar(select(Notice.message).where(Notice.member_id == people["bea"].id)) == (
            "Ann Adams sent you a message")


# -- young people -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sender, recipient", [("ann", "yaz"), ("yaz", "ann")])
def test_adults_and_under_18s_cannot_message_each_other_privately(app, people, sender, recipient):
    client = client_for(app, people[sender])
    page = client.get(f"/messages/new?to={people[recipient].id}").get_data(as_text=True)
    assert "You cannot send a private message to" in page and "Send message" not in page
    response = send_new(client, people[recipient].id, "Hello", page="/messages/new")
    assert "You cannot send a private message to" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Conversation) == 0 and count(Message) == 0


def test_young_people_may_message_each_other(app, people):
    assert send_new(client_for(app, people["yaz"]), people["zoe"].id, "Hi Zoe").status_code == 302


def test_a_young_person_cannot_be_added_to_an_adults_group(app, people):
    response = send_new(client_for(app, people["ann"]), [people["bea"].id, people["zoe"].id], "Group")
    assert "You cannot send a private message to Zoe Young" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Conversation) == 0


def test_replies_are_checked_too_when_a_member_is_marked_under_18_later(app, people):
    conversation_id = start(app, people["ann"], [people["bea"]])
    with app.app_context():
        get(people["bea"].id).under_18 = True
        db.session.commit()
    page = send_reply(client_for(app, people["ann"]), conversation_id, "Still there?").get_data(as_text=True)
    assert "You cannot send a private message to Bea Brown" in page
    with app.app_context():
        assert count(Message) == 1


def test_is_young_reads_member_under_18(app, people):
    with app.app_context():
        assert ops._is_young(get(people["yaz"].id)) and not ops._is_young(get(people["ann"].id))


# -- the plugin hook ----------------------------------------------------------------------------------------------

def test_a_plugin_rule_refuses_with_its_reason(app, people, make_member, enable_plugin):
    quiet = make_member(name="Quiet Quinn")
    client = client_for(app, people["ann"])
    assert send_new(client, quiet.id, "Hello").status_code == 302  # plugin off: allowed
    enable_plugin("message_rules")
    page = send_new(client, quiet.id, "Hello again", page="/messages/new").get_data(as_text=True)
    assert "gets messages only from their group&#39;s youth workers" in page
    assert send_new(client, people["bea"].id, "Hello Bea").status_code == 302  # others still allowed
    with app.app_context():
        assert count(Conversation) == 2


def test_a_crashing_plugin_rule_refuses_the_message(app, people, enable_plugin):
    conversation_id = start(app, people["ann"], [people["bea"]])
    enable_plugin("message_crash")
    client = client_for(app, people["ann"])
    assert "could not check whether you can send" in send_reply(client, conversation_id, "Hi").get_data(as_text=True)
    assert "could not check whether you can send" in send_new(client, people["bea"].id, "Hi",
                                                              page="/messages/new").get_data(as_text=True)
    with app.app_context():
        assert count(Message) == 1 and count(Conversation) == 1


# -- closed accounts, erasure and export --------------------------------------------------------------------------

def test_switched_off_and_erased_members_cannot_be_messaged(app, people, make_member):
    off = make_member(name="Otto Off", active=False)
    conversation_id = start(app, people["ann"], [people["bea"]])
    client = client_for(app, people["ann"])
    page = send_new(client, off.id, "Hello", page="/messages/new").get_data(as_text=True)
    assert "Choose who to send your message to" in page
    with app.app_context():
        get(people["bea"].id).active = False
        db.session.commit()
    assert "Nobody else in this conversation can get messages now" in send_reply(
        client, conversation_id, "Hello?").get_data(as_text=True)
    with app.test_request_context(), pytest.raises(Refused, match="account is closed"):
        ops.start_conversation(get(people["ann"].id), [get(off.id)], "Hello")


def test_erasure_removes_the_text_and_the_name_and_the_others_keep_the_conversation(app, people, mailbox):
    from copractice.members.data_rights import erase_member

    conversation_id = start(app, people["ann"], [people["bea"]], "A secret about my husband")
    bea = client_for(app, people["bea"])
    send_reply(bea, conversation_id, "Thank you for telling me")
    assert mailbox.to("bea@example.org")  # delivered, naming Ann
    with app.test_request_context():
        erase_member(get(people["ann"].id))
        db.session.commit()
    page = bea.get(f"/messages/{conversation_id}").get_data(as_text=True)
    assert "A secret about my husband" not in page and "Ann Adams" not in page
    assert "Former member" in page and "Thank you for telling me" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id)).where(Message.body.contains("secret"))) == 0
        assert "Ann Adams" not in str(db.session.scalars(select(Notice.message)).all())
        assert "Ann Adams" not in str(db.session.execute(select(OutboxMessage.subject, OutboxMessage.body)).all())
    assert "Nobody else in this conversation" in send_reply(bea, conversation_id, "Hello?").get_data(as_text=True)
    assert "Choose who to send" in send_new(bea, people["ann"].id, "Hi", page="/messages/new").get_data(as_text=True)


def test_the_data_download_holds_my_conversations_blocks_and_reports(app, people):
    conversation_id = start(app, people["ann"], [people["bea"]], "Hello Bea")
    with app.test_request_context():
        bea = get(people["bea"].id)
        ops.reply(bea, db.session.get(Conversation, conversation_id), "Hello Ann")
        ops.block(bea, get(people["ann"].id))
        message = db.session.scalar(select(Message).where(Message.body == "Hello Bea"))
        ops.report(bea, message, "unkind", "Felt pushy")
        db.session.commit()
    got = client_for(app, people["bea"]).get("/account/data.json").get_json()["messages"]
    [conversation] = got["conversations"]
    assert conversation["with"] == ["Ann Adams"]
    assert [(m["from"], m["text"]) for m in conversation["messages"]] == [("Ann Adams", "Hello Bea"),
                                                                          ("you", "Hello Ann")]
    assert got["blocked"] == ["Ann Adams"]
    assert got["reports"][0]["details"] == "Felt pushy"
    ann_got = client_for(app, people["ann"]).get("/account/data.json").get_json()["messages"]
    assert ann_got["blocked"] == [] and ann_got["reports"] == []  # who blocked or reported them is not theirs


# -- attacks ------------------------------------------------------------------------------------------------------

def test_someone_elses_conversation_is_not_there_for_them(app, people, make_member):
    outsider = make_member(name="Olly Outsider")
    conversation_id = start(app, people["ann"], [people["bea"]], "Just between us")
    with app.app_context():
        message_id = db.session.scalar(select(Message.id))
    client = client_for(app, outsider)
    token = csrf_from(client.get("/messages/").get_data(as_text=True))
    assert client.get(f"/messages/{conversation_id}").status_code == 404
    assert client.get(f"/messages/{conversation_id}/messages/{message_id}/report").status_code == 404
    for url, data in ((f"/messages/{conversation_id}/reply", {"body": "I am in"}),
                      (f"/messages/{conversation_id}/leave", {}),
                      (f"/messages/{conversation_id}/messages/{message_id}/report", {"reason": "spam"})):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 404
    with app.app_context():
        assert count(Message) == 1 and count(Report) == 0
        with pytest.raises(Refused):
            ops.reply(get(outsider.id), db.session.get(Conversation, conversation_id), "Sneaky")
    # A message of another conversation is not reachable through one's own.
    own = start(app, outsider, [people["bea"]], "Mine")
    assert client.get(f"/messages/{own}/messages/{message_id}/report").status_code == 404


def test_every_form_needs_its_csrf_token(app, people):
    conversation_id = start(app, people["ann"], [people["bea"]])
    with app.app_context():
        message_id = db.session.scalar(select(Message.id))
        report_id = None
    client = client_for(app, people["bea"])
    posts = [("/messages/new", {"to": people["ann"].id, "body": "x"}),
             (f"/messages/{conversation_id}/reply", {"body": "x"}),
             (f"/messages/{conversation_id}/leave", {}),
             (f"/messages/{conversation_id}/messages/{message_id}/report", {"reason": "spam"}),
             (f"/messages/people/{people['ann'].id}/block", {}),
             (f"/messages/people/{people['ann'].id}/unblock", {})]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 400, url
    admin = client_for(app, people["admin"])
    with app.test_request_context():
        report_id = ops.report(get(people["bea"].id), db.session.get(Message, message_id), "spam").id
        db.session.commit()
    assert admin.post(f"/messages/reports/{report_id}/resolve", data={}).status_code == 400
    with app.app_context():
        assert count(Message) == 1 and count(Block) == 0
        assert db.session.get(Report, report_id).resolved_at is None


@pytest.mark.parametrize("body, error", [
    ("Hello\x00there", "Your text has a character we cannot read"),
    ("x" * 5001, "Your message is too long"),
    ("   ", "Write your message."),
])
def test_bad_text_is_refused_beside_the_field(app, people, body, error):
    conversation_id = start(app, people["ann"], [people["bea"]])
    client = client_for(app, people["ann"])
    for response in (send_new(client, people["bea"].id, body), send_reply(client, conversation_id, body)):
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and error in page and "There is a problem" in page
        assert 'id="body-error"' in page
    with app.app_context():
        assert count(Message) == 1 and count(Conversation) == 1


def test_bad_addresses_and_recipients_do_not_break_the_page(app, people):
    client = client_for(app, people["ann"])
    assert client.get("/messages/new?to=abc&to=-1&to=99999999999999&to=").status_code == 200
    assert client.get(f"/messages/new?to={people['ann'].id}").status_code == 200  # yourself: nothing chosen
    assert client.get("/messages/2147483648").status_code == 404
    assert client.get("/messages/new?q=" + "a" * 5000).status_code == 200
    page = send_new(client, 2147483647, "Hello", page="/messages/new").get_data(as_text=True)
    assert "Choose who to send your message to" in page


# -- query budgets ------------------------------------------------------------------------------------------------

def test_inbox_and_conversation_pages_read_a_fixed_number_of_queries(app, people, make_member):
    app.config["MESSAGES_NEW_CONVERSATIONS_PER_HOUR"] = 1000
    def budget(n):
        friends = [make_member(name=f"Budget Friend {n}-{i}") for i in range(n)]
        ids = [start(app, people["ann"], [friend, people["bea"]], f"Hello {i}") for i, friend in enumerate(friends)]
        with app.test_request_context():
            conversation = db.session.get(Conversation, ids[0])
            for i in range(n):
                ops.reply(get(people["bea"].id), conversation, f"Reply {i}")
            db.session.commit()
        client = client_for(app, people["ann"])
        return queries_for(app, client, "/messages/")[1], queries_for(app, client, f"/messages/{ids[0]}")[1]

    small, large = budget(2), budget(12)
    assert small == large
    assert large[0] <= 5 and large[1] <= 9  # measured: 4 and 8


def test_the_send_a_message_link_other_pages_include(app, people):
    from flask import render_template_string
    from flask_login import login_user

    include = "{% include 'messages/_send_link.html' %}"
    with app.test_request_context():
        bea = get(people["bea"].id)
        assert render_template_string(include, member=bea).strip() == ""  # visitors: no link
        login_user(get(people["ann"].id))
        html = render_template_string(include, member=bea)
        assert f'href="/messages/new?to={bea.id}"' in html and "to Bea Brown" in html
        assert render_template_string(include, member=get(people["ann"].id)).strip() == ""  # not to oneself
