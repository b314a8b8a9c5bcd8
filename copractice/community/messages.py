"""Messages between members (issue 14 point 6): the rules, called by the views, the tests and erasure.

What the site decides, in plain words (docs/messages.md says the same for people running the site):

- **Through the site only.** Members write to each other here; nobody sees anybody's email address.
- **Small groups.** A conversation has two people, or a small group of up to ``GROUP_LIMIT`` (8) people. The people
  are chosen when it starts; anyone may leave, and nobody is added later.
- **Who can be messaged.** A member whose account is switched on. Never an erased or switched-off account.
  Members under 18 (``Member.under_18``) cannot be messaged privately by adults and cannot message adults
  privately: young people may write to other young people. A plugin may refuse more
  (hook ``copractice_may_message``; if it fails, the message is refused: fail closed). Every message is checked,
  replies included, so a rule that changes applies to conversations already going.
- **Finding people.** ``?to=<member id>`` (the "Send a message" links on other pages) names one person. The name
  search finds only members who chose to be in the member directory, and people you already talk with.
- **Blocking.** When A blocks B, neither can start a conversation with the other (the message does not say who
  blocked whom). In a conversation they are both already in, B may still write (a group's other members still get
  it), but nothing B writes after the block reaches A: A does not see it, is not told, gets no email, and the
  conversation is not marked unread for A. B is not told either. A can unblock B; what B wrote in between stays
  hidden from A.
- **Reporting.** Anyone in a conversation can report a message with a reason. Reporting shares that one message
  (its text and who wrote it) with the site's admins, who get a notice and an email (always: they cannot switch
  it off) and see it on the reports page. Admins cannot read conversations otherwise.
- **A limit on new conversations.** At most ``MESSAGES_NEW_CONVERSATIONS_PER_HOUR`` (10) new conversations per
  member per hour, counted in the database, so it holds across every web worker. Replies are not limited.
- **Email by choice, without the text.** Notice kind ``message_received`` (switched on or off on the member's
  "Email settings" page). The email says who wrote and links to the conversation; it never carries the message
  itself (email passes through other people's servers and is often read on shared devices). One notice per
  conversation until the member reads it: further messages before then do not send more.
- **Erasure.** When a member's account is erased, the text of every message they wrote is removed and they
  show as "Former member"; the other people keep the conversation. Their blocks, their place in conversations and
  their reports' wording go; their name is taken out of the notices and emails it gave other members.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased, selectinload

from copractice.community import safety
from copractice.community.message_models import (
    REPORT_REASONS,
    Block,
    Conversation,
    Message,
    Participant,
    Report,
)
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members.models import ConsentEvent, Member
from copractice.notifications.models import Notice, OutboxMessage
from copractice.notifications.operations import notify, queue_email
from copractice.plugins import PluginFailure, get_plugins
from copractice.timeutil import utcnow
from copractice.urls import external_url

GROUP_LIMIT = 8  # people in one conversation, the one who starts it included
BODY_LIMIT = 5000  # characters in one message
NOTICE_KIND = "message_received"
REPORT_NOTICE_KIND = "message_reported"
ERASED_NAME = "Former member"


def _is_young(member):
    """Whether ``member`` is under 18, for the rule on private messages between adults and young people."""
    return safety.is_young(member)  # the community's one rule (a plugin may widen it)


def new_conversations_per_hour():
    return int(current_app.config.get("MESSAGES_NEW_CONVERSATIONS_PER_HOUR", 10))


def _active(member):
    return member is not None and member.active and member.erased_at is None


def blocked_between(member_id, other_ids):
    """The ids among ``other_ids`` that ``member_id`` blocked or that blocked ``member_id`` (one query)."""
    other_ids = set(other_ids)
    if not other_ids:
        return set()
    rows = db.session.execute(select(Block.blocker_id, Block.blocked_id).where(or_(
        and_(Block.blocker_id == member_id, Block.blocked_id.in_(other_ids)),
        and_(Block.blocked_id == member_id, Block.blocker_id.in_(other_ids))))).all()
    return {blocked if blocker == member_id else blocker for blocker, blocked in rows}


def check_may_message(sender, recipients, *, starting):
    """Raise ``Refused`` unless ``sender`` may send a private message to every one of ``recipients``.

    ``starting``: a new conversation (blocks refuse it either way) rather than a reply in one (a block then only
    stops delivery to the blocker, see the module's notes)."""
    if not _active(sender):
        raise Refused("Your account cannot send messages.")
    if not recipients:
        raise Refused("Choose who to send your message to.")
    for person in recipients:
        if person.id == sender.id:
            raise Refused("You cannot send a message to yourself.")
        if not _active(person):
            raise Refused(f"{person.name} cannot get messages: their account is closed.")
    for person in recipients:
        if _is_young(sender) != _is_young(person):
            if _is_young(sender):
                raise Refused(f"You cannot send a private message to {person.name}. Members under 18 can send "
                              "private messages only to other members under 18. To talk with adults, post in a "
                              "space for young people.")
            raise Refused(f"You cannot send a private message to {person.name}. To keep young people safe, adults "
                          "and members under 18 cannot send each other private messages.")
    if starting:
        blocked = blocked_between(sender.id, [p.id for p in recipients])
        for person in recipients:
            if person.id in blocked:
                raise Refused(f"You cannot start a conversation with {person.name}.")
    try:
        reasons = get_plugins().collect("copractice_may_message", sender=sender, recipients=list(recipients))
    except PluginFailure:
        raise Refused("We could not check whether you can send this message just now, so it has not been sent. "
                      "Please try again later.") from None
    if reasons:
        raise Refused(reasons[0])


def _check_body(body):
    text = (body or "").strip()
    if not text:
        raise Refused("Write your message.")
    if len(text) > BODY_LIMIT:
        raise Refused(f"Your message is too long: keep it under {BODY_LIMIT} characters.")
    return text


def started_in_last_hour(member, now=None):
    now = now or utcnow()
    return db.session.scalar(select(func.count(Conversation.id)).where(
        Conversation.created_by_id == member.id, Conversation.created_at > now - timedelta(hours=1)))


def _hold(member):
    """Take ``member``'s row until the commit, so their new conversations are counted one start at a time.

    The no-op UPDATE locks the row (PostgreSQL) or holds the write lock (SQLite), as the courses' queue does: a
    second start at the same instant (another worker) waits here, then counts the first one's conversation."""
    db.session.execute(update(Member).where(Member.id == member.id).values(active=Member.active)
                       .execution_options(synchronize_session=False))


def check_rate_limit(member, now=None):
    """Raise ``Refused`` when ``member`` has started as many conversations in the last hour as allowed."""
    limit = new_conversations_per_hour()
    if started_in_last_hour(member, now) >= limit:
        raise Refused(f"You have started {limit} conversations in the last hour, which is the most we allow. "
                      "Please wait a while before starting another. You can still reply in your conversations.")


def start_conversation(sender: Member, recipients: list[Member], body: str, *,
                       now: datetime | None = None) -> Conversation:
    """Start a conversation between ``sender`` and ``recipients`` with a first message (the caller commits)."""
    now = now or utcnow()
    people = list({p.id: p for p in recipients if p is not None}.values())
    if len(people) + 1 > GROUP_LIMIT:
        raise Refused(f"A conversation can have up to {GROUP_LIMIT} people, you included. "
                      f"Choose up to {GROUP_LIMIT - 1} people.")
    text = _check_body(body)
    _hold(sender)
    check_rate_limit(sender, now)
    check_may_message(sender, people, starting=True)
    conversation = Conversation(created_by_id=sender.id, created_at=now, last_message_at=now)
    for person in [sender, *people]:
        conversation.participants.append(Participant(member_id=person.id, joined_at=now))
    db.session.add(conversation)
    db.session.flush()
    _post(conversation, sender, text, now)
    return conversation


def participant(member, conversation):
    """The member's row in the conversation if they are in it now (not left), else None."""
    return next((p for p in conversation.participants if p.member_id == member.id and p.left_at is None), None)


def reply(sender: Member, conversation: Conversation, body: str, *, now: datetime | None = None) -> Message:
    """Add ``sender``'s message to a conversation they are in (the caller commits)."""
    now = now or utcnow()
    if participant(sender, conversation) is None:
        raise Refused("You are not in this conversation.")
    text = _check_body(body)
    others = [p.member for p in conversation.participants if p.left_at is None and p.member_id != sender.id]
    reachable = [m for m in others if _active(m)]
    if not reachable:
        raise Refused("Nobody else in this conversation can get messages now. Start a new conversation instead.")
    check_may_message(sender, reachable, starting=False)
    return _post(conversation, sender, text, now)


def _post(conversation, sender, text, now):
    message = Message(conversation_id=conversation.id, author_id=sender.id, body=text, created_at=now)
    db.session.add(message)
    conversation.last_message_at = now
    blockers = {blocker for blocker, in db.session.execute(select(Block.blocker_id).where(
        Block.blocked_id == sender.id, Block.blocker_id.in_(conversation.current_member_ids())))}
    to_tell = []
    for p in conversation.participants:
        if p.left_at is not None:
            continue
        if p.member_id == sender.id:
            p.last_delivered_at = p.last_read_at = now
        elif _active(p.member) and p.member_id not in blockers:
            if not p.unread:  # one notice per conversation until they read it
                to_tell.append(p.member)
            p.last_delivered_at = now
    db.session.flush()
    if to_tell:
        notify(to_tell, NOTICE_KIND, "message_received",
               link=external_url("messages.conversation", conversation_id=conversation.id), sender=sender.name,
               settings_link=external_url("courses.email_preferences"))
    return message


def mark_read(member, conversation, now=None):
    p = participant(member, conversation)
    if p is not None:
        p.last_read_at = now or utcnow()


def leave(member: Member, conversation: Conversation, *, now: datetime | None = None) -> None:
    """Take ``member`` out of the conversation: it leaves their list and they get nothing more from it."""
    p = participant(member, conversation)
    if p is None:
        raise Refused("You are not in this conversation.")
    p.left_at = now or utcnow()
    db.session.flush()


def block(blocker: Member, blocked: Member) -> bool:
    """``blocker`` blocks ``blocked``; False when already blocked."""
    if blocker.id == blocked.id:
        raise Refused("You cannot block yourself.")
    if db.session.scalar(select(Block.id).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked.id)):
        return False
    db.session.add(Block(blocker_id=blocker.id, blocked_id=blocked.id))
    db.session.flush()
    return True


def unblock(blocker: Member, blocked: Member) -> bool:
    result = db.session.execute(delete(Block).where(Block.blocker_id == blocker.id, Block.blocked_id == blocked.id))
    return bool(getattr(result, "rowcount", 0))


def blocked_among(member, ids):
    """Which of ``ids`` ``member`` has blocked (one query)."""
    ids = set(ids)
    if not ids:
        return set()
    return set(db.session.scalars(select(Block.blocked_id).where(Block.blocker_id == member.id,
                                                                 Block.blocked_id.in_(ids))))


def blocked_people(member):
    return db.session.execute(select(Member.id, Member.name).join(Block, Block.blocked_id == Member.id)
                              .where(Block.blocker_id == member.id).order_by(Member.name)).all()


# -- what the pages show ------------------------------------------------------------------------------------------

def _visible_to(member):
    """SQL condition on Message: not written, after the block, by someone ``member`` blocked."""
    return ~exists().where(Block.blocker_id == member.id, Block.blocked_id == Message.author_id,
                           Message.created_at > Block.created_at)


@dataclass
class InboxRow:
    conversation_id: int
    people: list
    last_at: datetime | None
    unread: bool


def inbox(member, limit=200):
    """The member's conversations, latest first, with who else is in each and whether it is unread: two queries."""
    mine = db.session.execute(
        select(Participant.conversation_id, Participant.last_delivered_at, Participant.last_read_at)
        .where(Participant.member_id == member.id, Participant.left_at.is_(None))
        .order_by(Participant.last_delivered_at.desc(), Participant.conversation_id.desc()).limit(limit)).all()
    ids = [row.conversation_id for row in mine]
    people: dict[int, list] = {i: [] for i in ids}
    if ids:
        for conversation_id, name in db.session.execute(
                select(Participant.conversation_id, Member.name).join(Member, Member.id == Participant.member_id)
                .where(Participant.conversation_id.in_(ids), Participant.member_id != member.id,
                       Participant.left_at.is_(None)).order_by(Member.name)):
            people[conversation_id].append(name)
    return [InboxRow(r.conversation_id, people[r.conversation_id], r.last_delivered_at,
                     r.last_delivered_at is not None and (r.last_read_at is None or r.last_delivered_at > r.last_read_at))
            for r in mine]


def unread_count(member):
    return db.session.scalar(select(func.count(Participant.id)).where(
        Participant.member_id == member.id, Participant.left_at.is_(None),
        Participant.last_delivered_at.is_not(None),
        or_(Participant.last_read_at.is_(None), Participant.last_delivered_at > Participant.last_read_at)))


def conversation_for(member, conversation_id):
    """The conversation if ``member`` is in it now, else None (the page answers 404 either way)."""
    conversation = db.session.get(Conversation, conversation_id, options=[
        selectinload(Conversation.participants).joinedload(Participant.member)])
    if conversation is None or participant(member, conversation) is None:
        return None
    return conversation


def messages_for(member, conversation, limit=500):
    """The messages ``member`` sees in the conversation, oldest first, with their authors' names (one query)."""
    rows = db.session.execute(
        select(Message, Member.name).outerjoin(Member, Member.id == Message.author_id)
        .where(Message.conversation_id == conversation.id, _visible_to(member))
        .order_by(Message.created_at.desc(), Message.id.desc()).limit(limit)).all()
    return list(reversed(rows))


def visible_message(member, message_id):
    """A message ``member`` can see (they are in its conversation, and it is not hidden by their block), or None."""
    message = db.session.scalar(select(Message).where(Message.id == message_id, _visible_to(member)))
    if message is None or conversation_for(member, message.conversation_id) is None:
        return None
    return message


def find_people(sender, query, limit=20):
    """Members ``sender`` may start a conversation with whose name contains ``query``: among those who chose to
    be in the member directory and those ``sender`` already has a conversation with."""
    query = " ".join((query or "").split())[:100]
    if len(query) < 2:
        return []
    event, later = aliased(ConsentEvent), aliased(ConsentEvent)
    # The member's latest "directory" consent event says yes: one granted, with no event of that kind after it.
    in_directory = exists().where(
        event.member_id == Member.id, event.kind == "directory", event.granted.is_(True),
        ~exists().where(later.member_id == event.member_id, later.kind == "directory", later.id > event.id))
    me, them = aliased(Participant), aliased(Participant)
    talks_with = exists().where(me.member_id == sender.id, them.conversation_id == me.conversation_id,
                                them.member_id == Member.id)
    blocked = exists().where(or_(and_(Block.blocker_id == sender.id, Block.blocked_id == Member.id),
                                 and_(Block.blocked_id == sender.id, Block.blocker_id == Member.id)))
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return db.session.execute(
        select(Member.id, Member.name).where(
            Member.name.ilike(f"%{escaped}%", escape="\\"), Member.id != sender.id, Member.active.is_(True),
            Member.erased_at.is_(None), Member.under_18.is_(_is_young(sender)), or_(in_directory, talks_with),
            ~blocked)
        .order_by(Member.name, Member.id).limit(limit)).all()


def messageable(sender, member_id):
    """The member with this id if ``sender`` may start a conversation with them now, else None."""
    person = db.session.get(Member, member_id)
    if person is None or person.id == sender.id or not _active(person):
        return None
    return person


# -- reports ------------------------------------------------------------------------------------------------------

def report(reporter: Member, message: Message, reason: str, details: str = "") -> Report:
    """Report a message to the site's admins: a notice and an email to each (the caller commits)."""
    if reason not in REPORT_REASONS:
        raise Refused("Choose why you are reporting this message.")
    if visible_message(reporter, message.id) is None:
        raise Refused("You cannot report this message.")
    row = Report(message_id=message.id, reporter_id=reporter.id, reason=reason, details=(details or "").strip())
    db.session.add(row)
    db.session.flush()
    link = external_url("messages.reports")
    admins = db.session.scalars(select(Member).where(Member.role == "admin", Member.active.is_(True),
                                                     Member.erased_at.is_(None))).all()
    for admin in admins:
        # Always sent: a safety report is not something an admin can switch off. No names or text in it.
        email = queue_email(kind=REPORT_NOTICE_KIND, to=admin.email, template="message_reported", member=admin,
                            reason=REPORT_REASONS[reason], link=link)
        db.session.add(Notice(member_id=admin.id, kind=REPORT_NOTICE_KIND, message=email.subject, link=link))
    return row


def open_reports(limit=200):
    """Reports waiting for an admin, oldest first, with the message and the names (one query)."""
    author, reporter = aliased(Member), aliased(Member)
    return db.session.execute(
        select(Report, Message, author.name.label("author_name"), reporter.name.label("reporter_name"))
        .join(Message, Message.id == Report.message_id)
        .outerjoin(author, author.id == Message.author_id)
        .outerjoin(reporter, reporter.id == Report.reporter_id)
        .where(Report.resolved_at.is_(None)).order_by(Report.created_at, Report.id).limit(limit)).all()


def resolve_report(admin: Member, report_row: Report, *, now: datetime | None = None) -> None:
    if report_row.resolved_at is None:
        report_row.resolved_at = now or utcnow()
        report_row.resolved_by_id = admin.id
        db.session.flush()


# -- a member's rights over their data (called from members/data_rights.py) -------------------------------------

def _when(dt):
    return dt.isoformat() + "Z" if dt else None


def export_member_messages(member):
    """The member's conversations (the messages they could see), their blocks and their reports."""
    mine = db.session.scalars(select(Participant).where(Participant.member_id == member.id)
                              .order_by(Participant.joined_at, Participant.id)).all()
    ids = [p.conversation_id for p in mine]
    names: dict[int, list] = {i: [] for i in ids}
    texts: dict[int, list] = {i: [] for i in ids}
    if ids:
        for conversation_id, name in db.session.execute(
                select(Participant.conversation_id, Member.name).join(Member, Member.id == Participant.member_id)
                .where(Participant.conversation_id.in_(ids), Participant.member_id != member.id)
                .order_by(Member.name)):
            names[conversation_id].append(name)
        for message, name in db.session.execute(
                select(Message, Member.name).outerjoin(Member, Member.id == Message.author_id)
                .where(Message.conversation_id.in_(ids), _visible_to(member))
                .order_by(Message.created_at, Message.id)):
            texts[message.conversation_id].append({
                "from": "you" if message.author_id == member.id else name, "sent_at": _when(message.created_at),
                "text": message.body})
    reports = db.session.scalars(select(Report).where(Report.reporter_id == member.id).order_by(Report.id)).all()
    return {
        "conversations": [{"with": names[p.conversation_id], "joined_at": _when(p.joined_at),
                           "left_at": _when(p.left_at), "messages": texts[p.conversation_id]} for p in mine],
        "blocked": [name for _id, name in blocked_people(member)],
        "reports": [{"reason": REPORT_REASONS.get(r.reason, r.reason), "details": r.details,
                     "reported_at": _when(r.created_at), "dealt_with_at": _when(r.resolved_at)} for r in reports],
    }


def erase_member_messages(member, now=None):
    """Erase ``member``'s part in messages (call while their name is still known; the caller commits)."""
    now = now or utcnow()
    mid = member.id
    shared = select(Participant.conversation_id).where(Participant.member_id == mid)
    others = set(db.session.scalars(select(Participant.member_id).where(
        Participant.conversation_id.in_(shared), Participant.member_id != mid)))
    if others and member.name:
        # The notices and emails other members got about their messages name them.
        for row in db.session.scalars(select(Notice).where(Notice.kind == NOTICE_KIND, Notice.member_id.in_(others),
                                                           Notice.message.contains(member.name))):
            row.message = row.message.replace(member.name, ERASED_NAME)
        for row in db.session.scalars(select(OutboxMessage).where(
                OutboxMessage.kind == NOTICE_KIND, OutboxMessage.member_id.in_(others),
                or_(OutboxMessage.subject.contains(member.name), OutboxMessage.body.contains(member.name)))):
            row.subject = row.subject.replace(member.name, ERASED_NAME)
            row.body = row.body.replace(member.name, ERASED_NAME)
    db.session.execute(update(Message).where(Message.author_id == mid, Message.removed_at.is_(None))
                       .values(body="", removed_at=now))
    db.session.execute(delete(Participant).where(Participant.member_id == mid))
    db.session.execute(delete(Block).where(or_(Block.blocker_id == mid, Block.blocked_id == mid)))
    db.session.execute(update(Report).where(Report.reporter_id == mid).values(reporter_id=None, details=""))
    db.session.execute(update(Conversation).where(Conversation.created_by_id == mid).values(created_by_id=None))
