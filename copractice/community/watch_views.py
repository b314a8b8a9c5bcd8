"""Pages for watching spaces and topics, community email settings, and the one-click unsubscribe link."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, RadioField, SelectField
from wtforms.validators import AnyOf, InputRequired

from copractice.community import digests, watching
from copractice.community.models import Space, Topic
from copractice.community.watch_models import DELIVERY, SHORT_LEVELS, TOPIC_WATCH_LEVELS, WATCH_LEVELS
from copractice.extensions import csrf, db
from copractice.permissions import permission_required, require
from copractice.security import is_safe_next
from copractice.web import attempt

bp = Blueprint("community_watch", __name__)


class DeliveryForm(FlaskForm):
    delivery = RadioField("How do you want community emails?", choices=list(DELIVERY.items()), validate_choice=False,
                          validators=[InputRequired("Choose how you want community emails."),
                                      AnyOf(list(DELIVERY), message="Choose how you want community emails.")])


class LevelForm(FlaskForm):
    level = SelectField("Watch", choices=list(WATCH_LEVELS.items()), validate_choice=False)
    next = HiddenField()


def _back(target):
    return target if is_safe_next(target) else url_for("community_watch.settings")


@bp.app_template_global("community_watch_state")
def community_watch_state(space=None, topic=None, reader=None):
    """For the watch forms on the forum's pages: the signed-in member's level here, and the levels to choose from
    (None for visitors). ``reader``: the topic page's ``pages.Reader``, which has read the topic's level already."""
    if not current_user.is_authenticated:
        return None
    if topic is not None:
        level, chosen = ((reader.watch_level, reader.watch_chosen) if reader is not None
                         else watching.topic_level(current_user, topic))
        return {"level": level, "chosen": chosen, "choices": TOPIC_WATCH_LEVELS}
    return {"level": watching.space_level(current_user, space), "chosen": True, "choices": WATCH_LEVELS}


@bp.route("/community/watch/settings", methods=["GET", "POST"])
@permission_required("account.community_email")
def settings():
    """Choose how community emails come, and how closely to watch each space."""
    form = DeliveryForm(data={"delivery": watching.delivery(current_user)})
    if form.validate_on_submit():
        ok, _ = attempt(lambda: watching.set_delivery(current_user, form.delivery.data),
                        "Your community email choice is saved.", form=form, field="delivery")
        if ok:
            return redirect(url_for("community_watch.settings"))
    spaces, topics = watching.watched_by(current_user)
    return render_template("community/watch_settings.html", form=form, spaces=spaces, topics=topics,
                           levels=SHORT_LEVELS, space_levels=WATCH_LEVELS,
                           topic_levels=TOPIC_WATCH_LEVELS), 400 if form.errors else 200


def _save_level(step, form, what):
    if not form.validate_on_submit():
        flash(f"Choose how closely to watch this {what}.", "error")
        return
    attempt(lambda: step(form.level.data),
            lambda _result: f"Saved: you are now {SHORT_LEVELS[form.level.data]} for this {what}.")


@bp.route("/community/watch/spaces/<slug>", methods=["POST"])
@permission_required("community.watch")
def space(slug):
    """Choose how closely to watch a space."""
    chosen = db.session.scalar(select(Space).where(Space.slug == slug)) or abort(404)
    require("space.view", chosen)
    form = LevelForm()
    _save_level(lambda level: watching.set_space_level(current_user, chosen, level), form, "space")
    return redirect(_back(form.next.data))


@bp.route("/community/watch/topics/<int:topic_id>", methods=["POST"])
@permission_required("community.watch")
def topic(topic_id):
    """Choose how closely to watch a topic."""
    chosen = db.session.get(Topic, topic_id) or abort(404)
    require("space.view", chosen.space)
    form = LevelForm()
    _save_level(lambda level: watching.set_topic_level(current_user, chosen, level), form, "topic")
    return redirect(_back(form.next.data))


@bp.route("/community/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail programs POST here with no session (RFC 8058); the signed token is the proof
@permission_required("site.view")
def unsubscribe(token):
    """Stop all community emails from the link in one: a button, or a mail program's one-click unsubscribe."""
    if digests.made_for_a_closed_account(token):  # an old email's link: nothing to stop, nothing written
        return render_template("community/watch_link_closed.html")
    member = digests.member_for_unsubscribe(token)
    if member is None:
        return render_template("community/watch_link_invalid.html"), 400
    if request.method == "POST":
        digests.unsubscribe(member)
        return render_template("community/watch_unsubscribed.html")
    return render_template("community/watch_unsubscribe.html", token=token)
