"""The community's pages: spaces, their topic lists, topics with their replies, and what leads and admins do."""
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from copractice.community import cards, pages, posting, spaces
from copractice.community.forms import (
    KIND_CHOICES,
    KIND_HINTS,
    EditPostForm,
    EditSpaceForm,
    MoveForm,
    PersonForm,
    ReplyForm,
    SpaceForm,
    SplitForm,
    TopicForm,
)
from copractice.community.models import SPACE_ROLES, SPACE_VISIBILITY, TOPIC_KINDS, Post, Space
from copractice.extensions import db, login_manager
from copractice.inputs import page_arg
from copractice.members.models import Member
from copractice.permissions import can, permission_required, require, visible_spaces
from copractice.web import attempt

bp = Blueprint("community", __name__, url_prefix="/community")
bp.add_app_template_global(pages.id_url, "id_url")


@bp.before_request
def _theme_spaces():
    spaces.ensure_theme_spaces(current_app._get_current_object())


def _may_read_or_stop(space):
    """Visitors who may not read a space are asked to log in; members who may not get 404 (nothing leaks)."""
    if space is None:
        abort(404)
    if not can(current_user, "space.view", space):
        if not current_user.is_authenticated:
            abort(login_manager.unauthorized())
        abort(404)
    return space


def _space_or_404(slug):
    space = db.session.execute(pages.space_statement(current_user.is_authenticated),
                               {"slug": slug}).unique().scalar_one_or_none()
    return _may_read_or_stop(space)


def _topic_or_404(topic_id):
    row = db.session.execute(pages.topic_statement(current_user.is_authenticated),
                             {"topic": topic_id}).unique().first()
    if row is None:  # no such topic (or, never in practice, no first post: unreadable either way)
        abort(404)
    topic, first = row
    _may_read_or_stop(topic.space)
    if not posting.may_read_topic(current_user, topic, first=first):
        abort(404)
    return topic


def _post_or_404(post_id):
    post = db.session.get(Post, post_id)
    if post is None:
        abort(404)
    topic = _topic_or_404(post.topic_id)
    if not posting.may_read_post(current_user, post, topic.space):
        abort(404)
    return post


def _needs_guidelines(space, reader=None):
    """Whether the reply or topic form shows the space's guidelines (``reader``: the topic page's Reader, when read)."""
    if not space.guidelines.strip():
        return False
    return not (reader.has_posted if reader is not None else spaces.has_posted_in(current_user, space))


def _post_url(post):
    per_page = current_app.config["COMMUNITY_POSTS_PER_PAGE"]
    page = pages.post_page(current_user, post, per_page)
    return url_for("community.topic", topic_id=post.topic_id, page=page if page > 1 else None,
                   _anchor=f"post-{post.number}")


@bp.route("/")
@permission_required("site.view")
def index():
    """The spaces the member may read, with how many topics each has."""
    return render_template("community/index.html", spaces=spaces.spaces_for(current_user),
                           visibility=SPACE_VISIBILITY, may_create=can(current_user, "spaces.create"))


@bp.route("/spaces/new", methods=["GET", "POST"])
@permission_required("spaces.create")
def new_space():
    """An admin makes a space (a theme's space comes with its plugin)."""
    form = SpaceForm()
    if form.validate_on_submit():
        ok, space = attempt(lambda: spaces.create_space(
            current_user, slug=form.slug.data, name=form.name.data, description=form.description.data,
            guidelines=form.guidelines.data, visibility=form.visibility.data, young_people=form.young_people.data,
            safeguarding_lead_email=form.safeguarding_lead.data),
            "Space made.", form=form, field=lambda r: "safeguarding_lead" if "account" in str(r) else "slug")
        if ok:
            return redirect(url_for("community.space_settings", slug=space.slug))
    return render_template("community/space_form.html", form=form, space=None)


@bp.route("/spaces/<slug>")
@permission_required("site.view")
def space(slug):
    """A space: its description and its topics, pinned first, then the latest activity."""
    space = _space_or_404(slug)
    rows, pager = pages.topic_list(current_user, space, page=page_arg(),
                                   per_page=current_app.config["COMMUNITY_TOPICS_PER_PAGE"])
    return render_template("community/space.html", space=space, rows=rows, pager=pager, kinds=TOPIC_KINDS,
                           may_lead=can(current_user, "space.lead", space),
                           may_post=current_user.is_authenticated and space.archived_at is None)


@bp.route("/spaces/<slug>/settings")
@permission_required("community.run")
def space_settings(slug):
    """A space's leads, moderators and invited members, for its leads to name and remove."""
    space = _space_or_404(slug)
    require("space.lead", space)
    return _settings_page(space, PersonForm())


def _settings_page(space, form):
    return render_template("community/settings.html", space=space, people=spaces.space_people(space), form=form,
                           roles=SPACE_ROLES, may_edit=can(current_user, "space.edit", space),
                           safeguarding_lead=db.session.get(Member, space.safeguarding_lead_id)
                           if space.safeguarding_lead_id else None)


@bp.route("/spaces/<slug>/edit", methods=["GET", "POST"])
@permission_required("community.run")
def edit_space(slug):
    """An admin changes a space's name, description, guidelines, readers and safeguarding lead."""
    space = _space_or_404(slug)
    require("space.edit", space)
    form = EditSpaceForm(obj=space)
    if request.method == "GET":
        lead = db.session.get(Member, space.safeguarding_lead_id) if space.safeguarding_lead_id else None
        form.safeguarding_lead.data = lead.email if lead else ""
    if form.validate_on_submit():
        ok, _ = attempt(lambda: spaces.update_space(
            current_user, space, name=form.name.data, description=form.description.data,
            guidelines=form.guidelines.data, visibility=form.visibility.data, young_people=form.young_people.data,
            safeguarding_lead_email=form.safeguarding_lead.data),
            "Space saved.", form=form, field="safeguarding_lead")
        if ok:
            return redirect(url_for("community.space_settings", slug=space.slug))
    return render_template("community/space_form.html", form=form, space=space)


@bp.route("/spaces/<slug>/people", methods=["POST"])
@permission_required("community.run")
def add_person(slug):
    """A lead names someone as a lead, moderator or invited member of the space."""
    space = _space_or_404(slug)
    require("space.lead", space)
    form = PersonForm()
    if form.validate_on_submit():
        ok, _ = attempt(lambda: spaces.name_member(current_user, space, email=form.email.data, role=form.role.data),
                        "Saved.", form=form, field="email")
        if ok:
            return redirect(url_for("community.space_settings", slug=space.slug))
    return _settings_page(space, form)


@bp.route("/spaces/<slug>/people/<int:role_id>/remove", methods=["POST"])
@permission_required("community.run")
def remove_person(slug, role_id):
    """A lead takes someone's part in the space away."""
    space = _space_or_404(slug)
    require("space.lead", space)
    attempt(lambda: spaces.remove_role(current_user, space, role_id), "Removed.")
    return redirect(url_for("community.space_settings", slug=space.slug))


def _kind_choices(space):
    return [(k, v) for k, v in KIND_CHOICES if k != "announcement" or can(current_user, "space.lead", space)]


@bp.route("/spaces/<slug>/topics/new", methods=["GET", "POST"])
@permission_required("community.post")
def new_topic(slug):
    """Start a topic: a discussion, a question, or (for leads) an announcement; the guidelines come first."""
    space = _space_or_404(slug)
    form = TopicForm()
    form.kind.choices = _kind_choices(space)
    form.needs_agreement = _needs_guidelines(space)
    if form.validate_on_submit():
        ok, topic = attempt(lambda: posting.start_topic(current_user, space, title=form.title.data,
                                                        body=form.body.data, kind=form.kind.data),
                            form=form, field="body")
        if ok:
            return redirect(url_for("community.topic", topic_id=topic.id))
    return render_template("community/new_topic.html", space=space, form=form, kind_hints=KIND_HINTS,
                           edit_window=current_app.config["COMMUNITY_EDIT_WINDOW_MINUTES"])


def _render_topic(topic, form, status=200, reader=None):
    space = topic.space
    may_moderate, may_lead = can(current_user, "space.moderate", space), can(current_user, "space.lead", space)
    posts, pager, answer = pages.topic_posts(current_user, topic, page=page_arg(), moderator=may_moderate,
                                             per_page=current_app.config["COMMUNITY_POSTS_PER_PAGE"])
    shown = [p.post for p in posts] + ([answer.post] if answer else [])
    post_cards = cards.cards_for(current_user, shown)
    return render_template(
        "community/topic.html", topic=topic, space=space, posts=posts, pager=pager, answer=answer,
        cards=post_cards, form=form, may_lead=may_lead, may_moderate=may_moderate, reader=reader,
        may_mark=topic.kind == "question" and current_user.is_authenticated
        and (topic.author_id == current_user.id or may_lead),
        edit_window=current_app.config["COMMUNITY_EDIT_WINDOW_MINUTES"], kinds=TOPIC_KINDS), status


def _reply_form(topic, reader=None):
    if not current_user.is_authenticated or topic.closed_at is not None or topic.space.archived_at is not None:
        return None
    form = ReplyForm()
    form.needs_agreement = _needs_guidelines(topic.space, reader)
    return form


@bp.route("/topics/<int:topic_id>")
@permission_required("site.view")
def topic(topic_id):
    """A topic: its first post and replies (the accepted answer at the top), and a form to reply."""
    topic = _topic_or_404(topic_id)
    reader = pages.topic_reader(current_user, topic)
    return _render_topic(topic, _reply_form(topic, reader), reader=reader)


@bp.route("/topics/<int:topic_id>/reply", methods=["GET", "POST"])
@permission_required("community.post")
def reply(topic_id):
    """Reply to a topic, perhaps quoting one of its posts (?quote=<post id>)."""
    topic = _topic_or_404(topic_id)
    form = _reply_form(topic)
    if form is None:
        flash("This topic is closed: nobody can reply to it any more." if topic.closed_at is not None
              else "This space is archived: it can be read but not posted in.", "error")
        return redirect(url_for("community.topic", topic_id=topic.id))
    quote_id = _int_arg(form.quote_of.data if request.method == "POST" else request.args.get("quote"))
    quoted = db.session.get(Post, quote_id) if quote_id else None
    if quoted is not None and (quoted.topic_id != topic.id or quoted.status != "published"):
        quoted = None
    if request.method == "GET":
        form.quote_of.data = str(quoted.id) if quoted else ""
    if form.validate_on_submit():
        ok, post = attempt(lambda: posting.reply(current_user, topic, body=form.body.data, quote_of=quoted),
                           form=form, field="body")
        if ok:
            return redirect(_post_url(post))
    author = db.session.get(Member, quoted.author_id) if quoted and quoted.author_id else None
    return render_template("community/reply.html", topic=topic, space=topic.space, form=form, quoted=quoted,
                           quoted_author=author.name if author else pages.FORMER_MEMBER,
                           edit_window=current_app.config["COMMUNITY_EDIT_WINDOW_MINUTES"])


def _int_arg(value):
    """A post id from a form or the address, or None when it is not a plausible one."""
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 10 else None


@bp.route("/posts/<int:post_id>")
@permission_required("site.view")
def post(post_id):
    """A post's place in its topic (the page it is on, and its anchor): the link notices and email use."""
    return redirect(_post_url(_post_or_404(post_id)))


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@permission_required("community.post")
def edit_post(post_id):
    """The author changes their post."""
    post = _post_or_404(post_id)
    if post.author_id != current_user.id:
        abort(403)
    form = EditPostForm(obj=post)
    if post.number > 1:
        del form.title  # a reply has no title of its own
    elif request.method == "GET":
        form.title.data = post.topic.title
    if form.validate_on_submit():
        ok, _ = attempt(lambda: posting.edit_post(current_user, post, body=form.body.data,
                                                  title=form.title.data if post.number == 1 else None),
                        "Your post has been changed.", form=form, field="body")
        if ok:
            return redirect(_post_url(post))
    return render_template("community/edit_post.html", post=post, topic=post.topic, space=post.topic.space,
                           form=form, edit_window=current_app.config["COMMUNITY_EDIT_WINDOW_MINUTES"])


@bp.route("/topics/<int:topic_id>/answer", methods=["POST"])
@permission_required("community.post")
def mark_answer(topic_id):
    """The asker (or a lead) marks a reply as the answer, or unmarks it."""
    topic = _topic_or_404(topic_id)
    post = db.session.get(Post, _int_arg(request.form.get("post_id")) or 0)
    if post is None or post.topic_id != topic.id:
        abort(404)
    ok, _ = attempt(lambda: posting.mark_answer(current_user, topic, post),
                    lambda t: "Marked as the answer." if t.answer_post_id else "No longer marked as the answer.")
    return redirect(_post_url(post))


@bp.route("/topics/<int:topic_id>/pin", methods=["POST"])
@permission_required("community.run")
def pin(topic_id):
    """A lead pins a topic to the top of its space, or unpins it."""
    topic = _topic_or_404(topic_id)
    require("space.lead", topic.space)
    pinned = request.form.get("pinned") == "yes"
    attempt(lambda: posting.set_pinned(current_user, topic, pinned), "Pinned." if pinned else "Unpinned.")
    return redirect(url_for("community.topic", topic_id=topic.id))


@bp.route("/topics/<int:topic_id>/close", methods=["POST"])
@permission_required("community.run")
def close(topic_id):
    """A lead closes a topic to replies, or opens it again."""
    topic = _topic_or_404(topic_id)
    require("space.lead", topic.space)
    closed = request.form.get("closed") == "yes"
    attempt(lambda: posting.set_closed(current_user, topic, closed),
            "Closed: nobody can reply now." if closed else "Open for replies again.")
    return redirect(url_for("community.topic", topic_id=topic.id))


@bp.route("/topics/<int:topic_id>/move", methods=["GET", "POST"])
@permission_required("community.run")
def move(topic_id):
    """A lead moves a topic to another space."""
    topic = _topic_or_404(topic_id)
    require("space.lead", topic.space)
    form = MoveForm()
    others = db.session.scalars(select(Space).where(visible_spaces(current_user), Space.id != topic.space_id,
                                                    Space.archived_at.is_(None)).order_by(Space.name)).all()
    form.space.choices = [("", "Choose a space")] + [(str(s.id), s.name) for s in others]
    if form.validate_on_submit():
        target = next((s for s in others if str(s.id) == form.space.data), None)
        if target is None:
            form.space.errors.append("Choose a space.")
        else:
            ok, _ = attempt(lambda: posting.move_topic(current_user, topic, target), f"Moved to {target.name}.",
                            form=form, field="space")
            if ok:
                return redirect(url_for("community.topic", topic_id=topic.id))
    return render_template("community/move.html", topic=topic, space=topic.space, form=form)


@bp.route("/topics/<int:topic_id>/split", methods=["GET", "POST"])
@permission_required("community.run")
def split(topic_id):
    """A lead moves some replies into a new topic of their own."""
    topic = _topic_or_404(topic_id)
    require("space.lead", topic.space)
    form = SplitForm()
    rows = db.session.execute(select(Post.id, Post.number, Post.body, Member.name)
                              .outerjoin(Member, Member.id == Post.author_id)
                              .where(Post.topic_id == topic.id, Post.number > 1).order_by(Post.number)).all()
    form.posts.choices = [(r.id, f"Reply {r.number - 1} by {r.name or pages.FORMER_MEMBER}: {r.body[:80]}")
                          for r in rows]
    if form.validate_on_submit():
        ok, new = attempt(lambda: posting.split_topic(current_user, topic, form.posts.data, title=form.title.data),
                          "Replies moved to a new topic.", form=form, field="posts")
        if ok:
            return redirect(url_for("community.topic", topic_id=new.id))
    return render_template("community/split.html", topic=topic, space=topic.space, form=form)
