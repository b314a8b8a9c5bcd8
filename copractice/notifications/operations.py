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
from copractice.notifications.models import OutboxMessage

log = logging.getLogger(__name__)

# A message stuck in "sending" this long belonged to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=10)


def queue_email(*, kind, to, template, member=None, **context):
    """Render ``templates/email/<template>.txt`` and add it to the outbox (the caller commits).

    The template's first line is the subject.
    """
    text = render_template(f"email/{template}.txt", member=member, **context)
    subject, _, body = text.strip().partition("\n")
    message = OutboxMessage(
        member_id=member.id if member is not None and member.id else None,
        to_address=to,
        kind=kind,
        subject=subject.strip()[:200],
        body=body.strip() + "\n",
    )
    db.session.add(message)
    return message


def _send(message):
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email.set_content(message.body)
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
