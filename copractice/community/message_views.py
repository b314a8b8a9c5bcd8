"""Messages between members: the inbox, starting a conversation, a conversation, blocking and reporting.

The rules are in community/messages.py; these views read the request, call one operation and show the result.
"""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from copractice.community import messages as ops
from copractice.community.message_models import REPORT_REASONS, Report
from copractice.extensions import db
from copractice.members.models import Member
from copractice.permissions import can, permission_required
from copractice.web import attempt

bp = Blueprint("messages", __name__, url_prefix="/messages")


def _readable(form, field):
    # A NUL byte (or bytes that are not UTF-8) arrives as U+FFFD (copractice.inputs): say so beside the field.
    if "\ufffd" in (field.data or ""):
        raise ValidationError("Your text has a character we cannot read. Remove it and try again.")


class MessageForm(FlaskForm):
    body = TextAreaField("Your message", validators=[
        DataRequired("Write your message."), _readable,
        Length(max=ops.BODY_LIMIT, message=f"Your message is too long: keep it under {ops.BODY_LIMIT} characters.")])


class ReportForm(FlaskForm):
    reason = RadioField("Why are you reporting this message?", choices=list(REPORT_REASONS.items()),
                        validators=[DataRequired("Choose why you are reporting this message.")])
    details = TextAreaField("Anything else the admins should know (optional)", validators=[
        Optional(), _readable, Length(max=2000, message="Keep this under 2000 characters.")])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: for one-button actions."""


def _ids(values):
    """Member ids from ``to`` values, in order, without repeats or anything that is not a whole number."""
    ids = []
    for value in values:
        value = (value or "").strip()
        if value.isascii() and value.isdigit() and len(value) <= 10 and int(value) not in ids:
            ids.append(int(value))
    return ids[:ops.GROUP_LIMIT]


def _conversation_or_404(conversation_id):
    conversation = ops.conversation_for(current_user, conversation_id)
    if conversation is None or not can(current_user, "conversation.view", conversation):
        abort(404)  # not there, or not yours: the same answer, so nothing leaks
    return conversation


@bp.route("/")
@permission_required("messages.read")
def inbox():
    """Your conversations, latest first, with the unread ones marked."""
    return render_template("messages/inbox.html", rows=ops.inbox(current_user))


@bp.route("/new", methods=["GET", "POST"])
@permission_required("messages.send")
def new():
    """Start a conversation: choose the people (by ?to= or by name), write the first message."""
    form = MessageForm()
    source = request.form if request.method == "POST" else request.args
    people = [p for p in (ops.messageable(current_user, i) for i in _ids(source.getlist("to"))) if p is not None]
    if request.method == "POST" and form.validate_on_submit():
        worked, conversation = attempt(lambda: ops.start_conversation(current_user, people, form.body.data),
                                       form=form, field="body")
        if worked:
            flash("Your message has been sent.", "success")
            return redirect(url_for("messages.conversation", conversation_id=conversation.id))
    limited = False
    if request.method == "GET":
        # Say so before anything is written: the limit on new conversations, and anyone who cannot be messaged.
        limited = not attempt(lambda: ops.check_rate_limit(current_user))[0]
        if people and not limited and not attempt(
                lambda: ops.check_may_message(current_user, people, starting=True))[0]:
            people = []
    query = (request.args.get("q") or "").strip()[:100]
    found = ops.find_people(current_user, query) if query else []
    chosen = {p.id for p in people}
    return render_template("messages/new.html", form=form, people=people, query=query, limited=limited,
                           found=[row for row in found if row.id not in chosen], group_limit=ops.GROUP_LIMIT)


@bp.route("/<int:conversation_id>")
@permission_required("messages.read")
def conversation(conversation_id):
    """A conversation: its messages, oldest first, and a box to reply; reading it marks it read."""
    item = _conversation_or_404(conversation_id)
    ops.mark_read(current_user, item)
    return _show(item, MessageForm())


def _show(item, form):
    others = [p.member for p in item.participants if p.left_at is None and p.member_id != current_user.id]
    left = [p.member for p in item.participants if p.left_at is not None]
    return render_template("messages/conversation.html", conversation=item, form=form, others=others, left=left,
                           items=ops.messages_for(current_user, item), confirm=ConfirmForm(),
                           blocked=ops.blocked_among(current_user, [m.id for m in others]))


@bp.route("/<int:conversation_id>/reply", methods=["POST"])
@permission_required("messages.send")
def reply(conversation_id):
    """Send a reply in a conversation you are in."""
    item = _conversation_or_404(conversation_id)
    form = MessageForm()
    if form.validate_on_submit():
        worked, _ = attempt(lambda: ops.reply(current_user, item, form.body.data), form=form, field="body")
        if worked:
            flash("Your message has been sent.", "success")
            return redirect(url_for("messages.conversation", conversation_id=item.id))
    return _show(item, form)


@bp.route("/<int:conversation_id>/leave", methods=["POST"])
@permission_required("messages.read")
def leave(conversation_id):
    """Leave a conversation: it goes from your list and you get nothing more from it."""
    item = _conversation_or_404(conversation_id)
    if ConfirmForm().validate_on_submit():
        ops.leave(current_user, item)
        flash("You have left the conversation.", "success")
        return redirect(url_for("messages.inbox"))
    return redirect(url_for("messages.conversation", conversation_id=item.id))


@bp.route("/<int:conversation_id>/messages/<int:message_id>/report", methods=["GET", "POST"])
@permission_required("messages.read")
def report(conversation_id, message_id):
    """Report a message to the site's admins, with a reason."""
    item = _conversation_or_404(conversation_id)
    message = ops.visible_message(current_user, message_id)
    if message is None or message.conversation_id != item.id:
        abort(404)
    form = ReportForm()
    if form.validate_on_submit():
        worked, _ = attempt(lambda: ops.report(current_user, message, form.reason.data, form.details.data or ""),
                            form=form, field="reason")
        if worked:
            flash("Thank you. The site's admins have been told and will look at the message.", "success")
            return redirect(url_for("messages.conversation", conversation_id=item.id))
    author = db.session.get(Member, message.author_id) if message.author_id else None
    return render_template("messages/report.html", form=form, conversation=item, message=message, author=author)


@bp.route("/people/<int:member_id>/block", methods=["POST"])
@permission_required("messages.block")
def block(member_id):
    """Block a member: neither of you can start a conversation with the other, and their messages stop reaching you."""
    person = db.session.get(Member, member_id)
    if person is None or person.erased_at is not None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.block(current_user, person),
                f"You have blocked {person.name}. You will not get their messages.")
    return redirect(_back_to() or url_for("messages.blocked"))


@bp.route("/people/<int:member_id>/unblock", methods=["POST"])
@permission_required("messages.block")
def unblock(member_id):
    """Unblock a member you blocked."""
    person = db.session.get(Member, member_id)
    if person is None:
        abort(404)
    if ConfirmForm().validate_on_submit() and ops.unblock(current_user, person):
        flash(f"You have unblocked {person.name}.", "success")
    return redirect(_back_to() or url_for("messages.blocked"))


def _back_to():
    """A conversation page to go back to, from the form (only a conversation id: never an address)."""
    ids = _ids([request.form.get("conversation", "")])
    return url_for("messages.conversation", conversation_id=ids[0]) if ids else None


@bp.route("/blocked")
@permission_required("messages.block")
def blocked():
    """The people you have blocked, with a button to unblock each."""
    return render_template("messages/blocked.html", people=ops.blocked_people(current_user), confirm=ConfirmForm())


@bp.route("/reports")
@permission_required("messages.reports")
def reports():
    """Messages members reported, waiting for an admin."""
    return render_template("messages/reports.html", rows=ops.open_reports(), reasons=REPORT_REASONS,
                           confirm=ConfirmForm())


@bp.route("/reports/<int:report_id>/resolve", methods=["POST"])
@permission_required("messages.reports")
def resolve(report_id):
    """Mark a report as dealt with."""
    row = db.session.get(Report, report_id)
    if row is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        ops.resolve_report(current_user, row)
        flash("The report is marked as dealt with.", "success")
    return redirect(url_for("messages.reports"))
