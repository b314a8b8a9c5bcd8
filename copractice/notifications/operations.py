"""Queue email in the outbox with the change that caused it, then deliver it over SMTP.

A message is written in the caller's transaction, so it exists exactly when the change does.
Delivery claims each message with a conditional UPDATE (queued -> sending, rowcount checked),
so two workers never send the same message; a failed send goes back to the queue with its error.
"""
import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage

from flask import current_app, render_template
from sqlalchemy import select, update

from copractice.extensions import db
from copractice.members.models import utcnow
from copractice.notifications.models import NOTICE_KINDS, EmailPreference, Notice, OutboxMessage

log = logging.getLogger(__name__)

# A message stuck in "sending" this long belonged to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=10)


def _render(template, **context):
    text = render_template(f"email/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip()[:200], body.strip() + "\n"


def _outbox(*, kind, to, subject, body, member=None, attachment=None):
    message = OutboxMessage(
        member_id=member.id if member is not None and member.id else None,
        to_address=to, kind=kind, subject=subject, body=body,
    )
    if attachment:
        message.attachment_name, message.attachment_type, message.attachment = attachment
    db.session.add(message)
    return message


def queue_email(*, kind, to, template, member=None, attachment=None, **context):
    """Render ``templates/email/<template>.txt`` and add it to the outbox (the caller commits).

    The template's first line is the subject. ``attachment`` is (filename, mime type, text).
    """
    subject, body = _render(template, member=member, **context)
    return _outbox(kind=kind, to=to, subject=subject, body=body, member=member, attachment=attachment)


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


def _send(message):
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
    if message.attachment:
        maintype, _, subtype = (message.attachment_type or "application/octet-stream").partition("/")
        # The text is sent as UTF-8 and says so: without a charset, readers take text as ASCII.
        email.add_attachment(message.attachment.encode(), maintype=maintype, subtype=subtype,
                             filename=message.attachment_name or "attachment",
                             params={"charset": "utf-8"} if maintype == "text" else None)
    smtp_class = smtplib.SMTP_SSL if cfg["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(cfg["MAIL_SERVER"], cfg["MAIL_PORT"], timeout=cfg["MAIL_TIMEOUT"]) as smtp:
        if cfg["MAIL_USE_TLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"])
        smtp.send_message(email)


def requeue_stale_claims():
    """Put back messages a crashed worker left half-sent."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < utcnow() - STALE_CLAIM)
        .values(status="queued")
    )
    db.session.commit()
    return result.rowcount


def deliver_queued(limit=100):
    """Send up to ``limit`` queued messages; return (sent, failed). Commits as it goes."""
    ids = db.session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == "queued").order_by(OutboxMessage.id).limit(limit)
    ).all()
    sent = failed = 0
    for message_id in ids:
        claimed = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
            .values(status="sending", claimed_at=utcnow(), attempts=OutboxMessage.attempts + 1)
        ).rowcount
        db.session.commit()
        if not claimed:
            continue  # another worker has it
        message = db.session.get(OutboxMessage, message_id)
        if not message.to_address:
            message.status, message.last_error = "cancelled", "no address (account erased)"
        else:
            try:
                _send(message)
            except (OSError, smtplib.SMTPException) as exc:
                message.status, message.last_error = "queued", f"{type(exc).__name__}: {exc}"[:1000]
                failed += 1
                log.warning("email %s not delivered, will retry: %s", message.id, message.last_error)
            else:
                message.status, message.sent_at, message.last_error = "sent", utcnow(), None
                sent += 1
        db.session.commit()
    return sent, failed


def deliver_now():
    """Deliver what the request just queued, when the site is set to (a failure leaves it queued)."""
    if current_app.config.get("MAIL_DELIVER_ON_COMMIT"):
        deliver_queued()
