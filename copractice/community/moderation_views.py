"""The community's safety pages: flag a post; moderators' queue, log and steps; who is under 18 (admins)."""
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from copractice.community import moderation
from copractice.community.models import Post, Space
from copractice.community.moderation_forms import (
    ConfirmForm,
    FlagForm,
    ReasonForm,
    ResolveForm,
    StopForm,
    Under18Form,
)
from copractice.community.safety_models import SAFEGUARDING, PostFlag, PostingStop
from copractice.extensions import db
from copractice.inputs import page_arg
from copractice.members.models import Member
from copractice.permissions import can, permission_required, require
from copractice.security import is_safe_next
from copractice.web import attempt

bp = Blueprint("moderation", __name__)


@bp.app_template_global()
def moderates_space(space):
    """Whether the current member moderates ``space``: asked once per space and request (a topic page asks it
    for each of its posts)."""
    known = g.setdefault("_moderates_space", {})
    if space.id not in known:
        known[space.id] = can(current_user, "space.moderate", space)
    return known[space.id]


@bp.app_template_global()
def moderation_post_link(post):
    """Where a post is read (the forum's URL contract: /community/topics/<id>#post-<number>)."""
    return f"/community/topics/{post.topic_id}#post-{post.number}"


def _space(slug):
    # Its roles loaded with it: the page asks who may do what in it more than once.
    space = db.session.scalar(select(Space).where(Space.slug == slug).options(selectinload(Space.roles)))
    if space is None:
        abort(404)
    return space


def _post(post_id):
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    return post


def _moderated_post(post_id):
    post = _post(post_id)
    require("space.moderate", post.topic.space)
    return post


def _back(space):
    """Back where the moderator pressed the button (a page of this site), else the space's queue."""
    target = request.values.get("next")
    return redirect(target if is_safe_next(target) else url_for("moderation.queue", slug=space.slug))


def _names(member_ids):
    ids = {i for i in member_ids if i is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Member.id, Member.name).where(Member.id.in_(ids))).all())


@bp.route("/community/moderation/")
@permission_required("community.moderation")
def index():
    """The spaces you moderate, with what is waiting in each."""
    return render_template("community/moderation_index.html", spaces=moderation.moderated_spaces(current_user))


@bp.route("/community/moderation/spaces/<slug>")
@permission_required("community.moderation")
def queue(slug):
    """A space's moderation queue: posts waiting to be published, flags, members stopped from posting."""
    space = _space(slug)
    require("space.moderate", space)
    held = moderation.held_posts(space)
    flags = moderation.open_flags(space)
    stops = moderation.stops_in_force(space)
    names = _names([p.author_id for p in held] + [f.post.author_id for f in flags])
    return render_template("community/moderation_queue.html", space=space, held=held, flags=flags, stops=stops,
                           names=names, form=ConfirmForm())


@bp.route("/community/moderation/spaces/<slug>/log")
@permission_required("community.moderation")
def log(slug):
    """A space's moderation log: every step its moderators took, newest first."""
    space = _space(slug)
    require("space.moderate", space)
    page = page_arg()
    entries, more = moderation.moderation_log(space, page)
    return render_template("community/moderation_log.html", space=space, entries=entries, page=page, more=more)


@bp.route("/community/posts/<int:post_id>/approve", methods=["POST"])
@permission_required("community.moderation")
def approve(post_id):
    """Publish a post that was waiting for a moderator."""
    post = _moderated_post(post_id)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: moderation.approve(current_user, post), "The post is published.")
    return _back(post.topic.space)


@bp.route("/community/posts/<int:post_id>/restore", methods=["POST"])
@permission_required("community.moderation")
def restore(post_id):
    """Show a hidden post again."""
    post = _moderated_post(post_id)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: moderation.restore(current_user, post), "The post is showing again.")
    return _back(post.topic.space)


def _reason_page(post_id, step, *, title, button, done):
    post = _moderated_post(post_id)
    form = ReasonForm()
    if form.validate_on_submit():
        worked, _ = attempt(lambda: step(current_user, post, form.reason.data), done, form=form, field="reason")
        if worked:
            return _back(post.topic.space)
    return render_template("community/moderation_reason.html", post=post, topic=post.topic, space=post.topic.space,
                           form=form, title=title, button=button, author=_names([post.author_id]).get(post.author_id),
                           next=request.values.get("next") if is_safe_next(request.values.get("next")) else None)


@bp.route("/community/posts/<int:post_id>/reject", methods=["GET", "POST"])
@permission_required("community.moderation")
def reject(post_id):
    """Do not publish a post that was waiting, saying why."""
    return _reason_page(post_id, moderation.reject, title="Do not publish this post", button="Do not publish",
                        done="The post will not be published. Its author has been told why.")


@bp.route("/community/posts/<int:post_id>/hide", methods=["GET", "POST"])
@permission_required("community.moderation")
def hide(post_id):
    """Hide a post from readers, saying why."""
    return _reason_page(post_id, moderation.hide, title="Hide this post", button="Hide the post",
                        done="The post is hidden. Its author has been told why.")


@bp.route("/community/posts/<int:post_id>/flag", methods=["GET", "POST"])
@permission_required("community.flag_posts")
def flag_post(post_id):
    """Flag a post for the moderators, or raise a safeguarding concern about it."""
    post = _post(post_id)
    if not moderation.may_read_post(current_user, post):
        abort(404)
    form = FlagForm()
    if form.validate_on_submit():
        worked, flag = attempt(lambda: moderation.raise_flag(current_user, post, form.reason.data, form.note.data),
                               form=form, field="reason")
        if worked:
            return render_template("community/moderation_flagged.html", post=post, topic=post.topic,
                                   space=post.topic.space, safeguarding=flag.reason == SAFEGUARDING)
    return render_template("community/moderation_flag_form.html", post=post, topic=post.topic,
                           space=post.topic.space, form=form,
                           author=_names([post.author_id]).get(post.author_id))


@bp.route("/community/moderation/flags/<int:flag_id>", methods=["GET", "POST"])
@permission_required("community.moderation")
def flag(flag_id):
    """One flag: the post, who flagged it and why; mark it dealt with."""
    flag = db.session.get(PostFlag, flag_id)
    if flag is None:
        abort(404)
    require("flag.review", flag)
    space = flag.post.topic.space
    form = ResolveForm()
    if form.validate_on_submit():
        worked, _ = attempt(lambda: moderation.resolve_flag(current_user, flag, form.outcome.data),
                            "The flag is marked as dealt with.", form=form, field="outcome")
        if worked:
            if moderates_space(space):
                return redirect(url_for("moderation.queue", slug=space.slug))
            return redirect(url_for("moderation.flag", flag_id=flag.id))
    names = _names([flag.post.author_id, flag.member_id, flag.resolved_by_id])
    return render_template("community/moderation_flag.html", flag=flag, post=flag.post, topic=flag.post.topic,
                           space=space, form=form, names=names, confirm=ConfirmForm())


@bp.route("/community/moderation/spaces/<slug>/members/<int:member_id>/stop", methods=["GET", "POST"])
@permission_required("community.moderation")
def stop(slug, member_id):
    """Stop a member posting in a space (or, for admins, everywhere), saying why, for a while or until further
    notice."""
    space = _space(slug)
    require("space.moderate", space)
    member = db.session.get(Member, member_id)
    if member is None or member.erased_at is not None:
        abort(404)
    form = StopForm()
    everywhere_allowed = can(current_user, "posting.stop_everywhere")
    if form.validate_on_submit():
        if form.everywhere.data:
            require("posting.stop_everywhere")
        worked, _ = attempt(
            lambda: moderation.stop_posting(current_user, member, None if form.everywhere.data else space,
                                            form.reason.data, moderation.parse_until(form.until.data)),
            f"{member.name} cannot post {'in any space' if form.everywhere.data else 'in this space'} now. "
            "They have been told why.", form=form, field=lambda refused: "until" if "date" in str(refused) else "reason")
        if worked:
            return redirect(url_for("moderation.queue", slug=space.slug))
    return render_template("community/moderation_stop.html", space=space, member=member, form=form,
                           everywhere_allowed=everywhere_allowed)


@bp.route("/community/moderation/stops/<int:stop_id>/end", methods=["POST"])
@permission_required("community.moderation")
def end_stop(stop_id):
    """Let a stopped member post again."""
    stop = db.session.get(PostingStop, stop_id)
    if stop is None:
        abort(404)
    if stop.space_id is None:
        require("posting.stop_everywhere")
    else:
        require("space.moderate", stop.space)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: moderation.resume_posting(current_user, stop), f"{stop.member.name} can post again.")
    target = request.values.get("next")
    if is_safe_next(target):
        return redirect(target)
    if stop.space is not None:
        return redirect(url_for("moderation.queue", slug=stop.space.slug))
    return redirect(url_for("moderation.index"))


@bp.route("/admin/members/<int:member_id>/under-18", methods=["POST"])
@permission_required("member.set_under_18")
def set_under_18(member_id):
    """Record whether a member is under 18 (from the admin's member page)."""
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    form = Under18Form()
    if form.validate_on_submit():
        moderation.set_under_18(current_user, member, form.under_18.data == "yes")
        flash(f"Saved: {member.name} is {'under 18' if member.under_18 else '18 or over'}.", "success")
    else:
        flash("Choose yes or no.", "error")
    return redirect(url_for("admin.member", member_id=member.id))
