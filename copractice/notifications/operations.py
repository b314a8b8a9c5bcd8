"""Queue email in the outbox with the change that caused it; deliver it later, in another process.

A message is written in the caller's transaction, so it exists exactly when the change does. No web
request ever talks to the mail server: once the transaction commits, each new message becomes a
``deliver_message`` job for ``copractice worker`` (copractice/jobs.py), which also runs ``deliver_due``
every minute; ``copractice send-mail`` (from a timer) or ``send-mail --watch`` still work without it.

``deliver_due()`` is one round and ``deliver_one(id)`` one message. Each message is claimed with a conditional UPDATE (queued ->
sending, committed, rowcount checked) before it is sent and marked sent after, so two rounds never
send the same message. Every attempt carries the Message-ID made once for the message, so a
crash between sending and marking can cause at most one copy, which the receiving side can
recognise; a claim left behind by a crash is taken again after MAIL_CLAIM_TIMEOUT seconds.
A message that cannot be built is marked failed at once with its reason; one that cannot be sent
waits longer after each attempt and is marked failed after MAIL_MAX_ATTEMPTS. Either way the rest
are delivered, and admins see failed messages at /admin/email with a "Try again" button.
"""
import logging
import smtplib
import socket
import time
from collections import namedtuple
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import cast
from urllib.parse import urlsplit

from flask import current_app, render_template
from sqlalchemy import CursorResult, and_, or_, select, update

from copractice.extensions import db
from copractice.forms import one_line
from copractice.notifications.models import NOTICE_KINDS, EmailPreference, Notice, OutboxMessage
from copractice.timeutil import utcnow

log = logging.getLogger(__name__)


def _render(template, **context):
    text = render_template(f"email/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    return one_line(subject)[:200], body.strip() + "\n"


def new_message_id():
    """A Message-ID on the site's own domain (from BASE_URL), made once per message."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "copractice.invalid"
    return make_msgid(domain=domain)


def _outbox(*, kind, to, subject, body, member=None, attachment=None, headers=None):
    message = OutboxMessage(
        member_id=member.id if member is not None and member.id else None,
        to_address=to, kind=kind, subject=subject, body=body, message_id=new_message_id(), headers=headers or None,
    )
    if attachment:
        message.attachment_name, message.attachment_type, message.attachment = attachment
    db.session.add(message)
    return message


def queue_email(*, kind, to, template, member=None, attachment=None, headers=None, **context):
    """Render ``templates/email/<template>.txt`` and add it to the outbox (the caller commits).

    The template's first line is the subject. ``attachment`` is (filename, mime type, text). ``headers`` are
    extra headers ({name: value}, e.g. List-Unsubscribe); they cannot replace From, To, Subject or Message-ID.
    """
    subject, body = _render(template, member=member, **context)
    return _outbox(kind=kind, to=to, subject=subject, body=body, member=member, attachment=attachment,
                   headers=headers)


# Headers the outbox sets itself: an extra header never replaces them.
OWN_HEADERS = {"from", "to", "subject", "message-id", "content-type", "content-transfer-encoding", "mime-version"}


def email_wanted(member_ids, kind):
    """The subset of ``member_ids`` who want email of this kind (one query; no row means yes)."""
    member_ids = set(member_ids)
    if not member_ids:
        return set()
    refused = db.session.scalars(
        select(EmailPreference.member_id).where(
            EmailPreference.kind == kind, EmailPreference.email.is_(False),
            EmailPreference.member_id.in_(member_ids))
    ).all()
    return member_ids - set(refused)


def notify(members, kind, template, link=None, attachment=None, **context):
    """Tell each member: an in-app notice always, and an email unless they switched that kind off.

    Written in the caller's transaction, so the notice exists exactly when the change does.
    """
    if kind not in NOTICE_KINDS:
        raise LookupError(f"unknown notice kind {kind!r}")
    members = [m for m in members if m is not None and m.erased_at is None]
    wanted = email_wanted([m.id for m in members], kind)
    for member in members:
        subject, body = _render(template, member=member, link=link, **context)
        db.session.add(Notice(member_id=member.id, kind=kind, message=subject, link=link))
        if member.id in wanted and member.email:
            _outbox(kind=kind, to=member.email, subject=subject, body=body, member=member, attachment=attachment)


def build_email(message):
    """The email for an outbox row, checked by rendering it whole: raises ValueError (or another
    error) when it cannot be made, e.g. a header with a line break in it."""
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = message.message_id
    for name, value in (message.headers or {}).items():
        if name.lower() in OWN_HEADERS:
            raise ValueError(f"the header {name} is set by the outbox itself")
        email[name] = value
    email.set_content(message.body)
    if message.attachment:
        maintype, _, subtype = (message.attachment_type or "application/octet-stream").partition("/")
        # The text is sent as UTF-8 and says so: without a charset, readers take text as ASCII.
        email.add_attachment(message.attachment.encode(), maintype=maintype, subtype=subtype,
                             filename=message.attachment_name or "attachment",
                             params={"charset": "utf-8"} if maintype == "text" else None)
    email.as_bytes()  # the email library finds some bad headers only when it writes them out
    return email


def _send(email):
    cfg = current_app.config
    smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(email)


def _claimable(now):
    """Due for an attempt: queued and its time has come, or claimed by a round that died long ago."""
    stale = now - timedelta(seconds=current_app.config["MAIL_CLAIM_TIMEOUT"])
    return or_(
        and_(OutboxMessage.status == "queued",
             or_(OutboxMessage.next_attempt_at.is_(None), OutboxMessage.next_attempt_at <= now)),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < stale),
    )


def retry_delay(attempts):
    """How long to wait after the ``attempts``-th failed attempt: doubling, at most six hours."""
    base = current_app.config["MAIL_RETRY_SECONDS"]
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 6 * 3600))


# Errors that say the mail server could not be reached or stopped answering: the next message would
# meet the same, so the round stops there instead of waiting MAIL_TIMEOUT for each message in turn.
UNREACHABLE = (smtplib.SMTPConnectError, smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError,
               socket.gaierror)


def deliver_one(message_id, now=None):
    """Claim, send and mark one message. Returns "sent", "retry", "unreachable" (a retry because the mail
    server could not be reached), "failed", "cancelled", or None when it was not due or another round
    has it. Commits (the claim before sending, the outcome after)."""
    now = now or utcnow()
    claimed = cast(CursorResult, db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id, _claimable(now))
        .values(status="sending", claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )).rowcount
    db.session.commit()
    if not claimed:
        return None
    message = db.session.get(OutboxMessage, message_id)
    assert message is not None  # claimed just now by this round
    if not message.message_id:  # queued before Message-IDs were kept: fix it before the first attempt
        message.message_id = new_message_id()
        db.session.commit()
    if not message.to_address:
        message.status, message.last_error = "cancelled", "no address (account erased)"
        db.session.commit()
        return "cancelled"
    try:
        email = build_email(message)
    except Exception as exc:  # noqa: BLE001  (whatever the reason, this message can never be sent as it is)
        outcome = "failed"
        message.status = "failed"
        message.last_error = f"This email could not be made: {type(exc).__name__}: {exc}"[:1000]
        log.error("email %s cannot be built, marked failed: %s", message.id, message.last_error)
    else:
        try:
            _send(email)
        except Exception as exc:  # noqa: BLE001  (one message's trouble never stops the round)
            message.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if message.attempts >= current_app.config["MAIL_MAX_ATTEMPTS"]:
                outcome, message.status, message.next_attempt_at = "failed", "failed", None
                log.error("email %s not delivered after %s attempts, marked failed: %s",
                          message.id, message.attempts, message.last_error)
            else:
                outcome, message.status = ("unreachable" if isinstance(exc, UNREACHABLE) else "retry"), "queued"
                message.next_attempt_at = utcnow() + retry_delay(message.attempts)
                log.warning("email %s not delivered, will retry: %s", message.id, message.last_error)
        else:
            outcome = "sent"
            message.status, message.sent_at, message.last_error, message.next_attempt_at = "sent", utcnow(), None, None
    db.session.commit()
    return outcome


Round = namedtuple("Round", "sent failed")
Round.__doc__ = "What a delivery round did: messages sent, and messages not sent (to retry, or failed)."


def due_message_ids(limit=100, now=None):
    now = now or utcnow()
    return db.session.scalars(
        select(OutboxMessage.id).where(_claimable(now)).order_by(OutboxMessage.id).limit(limit)
    ).all()


def deliver_due(limit=100, should_stop=None):
    """One delivery round: every message that is due, oldest first, up to ``limit``. Returns a Round.

    When the mail server cannot be reached the round stops: the rest wait, untouched, for the next.

    ``should_stop`` (a callable) is asked between messages, so a process told to stop finishes the
    message in hand and stops cleanly instead of leaving it half-sent."""
    sent = failed = 0
    for message_id in due_message_ids(limit):
        if should_stop is not None and should_stop():
            break
        outcome = deliver_one(message_id)
        if outcome == "sent":
            sent += 1
        elif outcome in ("retry", "failed", "unreachable"):
            failed += 1
        if outcome == "unreachable":
            break
    return Round(sent, failed)


def watch(interval=None, should_stop=lambda: False, on_round=None):
    """Deliver rounds until ``should_stop()``: the loop behind ``copractice send-mail --watch``.

    A round that fails (the database is down, say) is logged and tried again after the interval."""
    interval = current_app.config["MAIL_POLL_SECONDS"] if interval is None else interval
    while not should_stop():
        try:
            result = deliver_due(limit=1000, should_stop=should_stop)
        except Exception:  # noqa: BLE001  (keep watching; the next round starts afresh)
            db.session.rollback()
            log.exception("a delivery round failed; trying again in %s s", interval)
        else:
            if on_round is not None:
                on_round(result)
        finally:
            db.session.remove()
        deadline = time.monotonic() + interval
        while time.monotonic() < deadline and not should_stop():
            time.sleep(min(0.2, interval))


# -- what admins see and do (/admin/email) ------------------------------------------------------

def messages_needing_attention():
    """Messages that failed, or are waiting to retry after a failed attempt, newest first."""
    return db.session.scalars(
        select(OutboxMessage)
        .where(or_(OutboxMessage.status == "failed",
                   and_(OutboxMessage.status == "queued", OutboxMessage.last_error.is_not(None))))
        .order_by(OutboxMessage.id.desc())
    ).all()


def try_again(actor, message):
    """Put a failed or waiting message back in the queue for the next round (the caller commits)."""
    from copractice.audit import audit

    if message.status not in ("failed", "queued"):
        return False
    before = {"status": message.status, "attempts": message.attempts}
    message.status, message.next_attempt_at, message.attempts = "queued", None, 0
    from copractice.jobs import deliver_after_commit

    deliver_after_commit(message.id)  # a worker sends it as soon as this is saved
    audit(actor, "email.retried", "outbox_message", message.id, message.subject, before,
          {"status": "queued", "attempts": 0})
    return True
