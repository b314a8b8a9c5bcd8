"""The catalogue, course pages, joining and leaving, My learning, calendars and notices."""
import secrets

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select, update

from copractice.attendance import learning
from copractice.courses import catalogue as finder
from copractice.courses import extras, forms, operations
from copractice.courses.calendar import course_calendar, feed_owner, member_calendar
from copractice.courses.models import FORMATS, HOLDS_PLACE, LEVELS
from copractice.extensions import db
from copractice.http_cache import not_modified
from copractice.inputs import page_arg
from copractice.kept_pages import keepable, kept_page, own_row, shows
from copractice.markup import render_markdown
from copractice.members.models import STAKEHOLDER_TYPES
from copractice.notifications.models import NOTICE_KINDS, EmailPreference, Notice
from copractice.permissions import can, permission_required
from copractice.plugins import get_plugins
from copractice.timeutil import utcnow
from copractice.urls import external_url
from copractice.web import attempt

bp = Blueprint("courses", __name__)


@bp.app_template_filter("markdown")
def _markdown_filter(text):
    return render_markdown(text)


@bp.route("/courses")
@permission_required("site.view")
def catalogue():
    """Find a course: search, filter, and see places left and the next date."""
    if (unchanged := not_modified(finder.catalogue_version)) is not None:
        return unchanged
    themes = get_plugins().themes()
    plugin_filters = extras.catalogue_filters(extras.course_questions())
    form = forms.catalogue_form_class(plugin_filters)(request.args)
    form.theme.choices = [("", "Any theme")] + [(slug, t.name) for slug, t in sorted(themes.items(), key=lambda i: i[1].name)]
    form.validate()
    chosen = tuple((plugin, field.name, form[name].data) for plugin, name, field, _label in plugin_filters
                   if form[name].data in dict(field.choices))
    filters = finder.CatalogueFilters(q=form.q.data or "", theme=form.theme.data or "", format=form.format.data or "",
                                      audience=form.audience.data or "", has_places=bool(form.has_places.data),
                                      extras=chosen)
    page = finder.catalogue(filters, page=page_arg(),
                            per_page=current_app.config["COURSES_PER_PAGE"])
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template("courses/catalogue.html", form=form, page=page, filters=filters, args=args,
                           themes=themes, stakeholder_types=STAKEHOLDER_TYPES,
                           plugin_filters=[name for _plugin, name, _field, _label in plugin_filters])


def _course_or_404(slug):
    course = finder.course_by_slug(slug)
    if course is None or not can(current_user, "course.view", course):
        abort(404)
    return course


@bp.route("/courses/<slug>")
@permission_required("site.view")
def course(slug):
    """A course: what it is, when, who runs it, places left, and the one button that fits you."""
    page = finder.course_page(slug, current_user)
    course = page.course if page is not None else None
    if course is None or not can(current_user, "course.view", course):
        abort(404)
    if (unchanged := not_modified(finder.course_version, course, None, True, page,
                                  shared=course.status == "published")) is not None:
        return unchanged
    enrolment = operations.enrolment_of(current_user, course)
    choice = operations.choice_for(current_user, course, enrolment)
    return render_template(
        "courses/course.html", course=course, choice=choice, enrolment=enrolment, audience=page.audience,
        sessions=page.sessions, facilitators=page.facilitators, recommended=page.recommended,
        plugin_answers=extras.shown(extras.course_questions(), page.extras),
        waiting=page.waiting, theme=get_plugins().themes().get(course.theme_slug),
        show_joining=enrolment is not None and enrolment.status in HOLDS_PLACE or can(current_user, "course.run", course),
        # No form (and so no CSRF token in the session) for visitors, who see a log-in link: their page stays shareable.
        form=forms.ConfirmForm() if current_user.is_authenticated else None,
        levels=LEVELS, formats=FORMATS, stakeholder_types=STAKEHOLDER_TYPES, now=utcnow())


def _member_step(slug, step, done_message):
    course = _course_or_404(slug)
    form = forms.ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    attempt(lambda: step(current_user._get_current_object(), course), done_message)
    return redirect(url_for("courses.course", slug=course.slug))


def _enrolled_message(enrolment):
    if enrolment.status == "enrolled":
        return "You have a place on this course. We have sent you an email with the dates."
    if enrolment.status == "waiting":
        return f"The course is full, so you are on the waiting list at number {operations.waiting_position(enrolment)}."
    return "You already have a place or an offer on this course."


@bp.route("/courses/<slug>/enrol", methods=["POST"])
@permission_required("course.enrol")
def enrol(slug):
    """Take a place, or join the waiting list when the course is full."""
    return _member_step(slug, operations.enrol, _enrolled_message)


@bp.route("/courses/<slug>/leave-waiting-list", methods=["POST"])
@permission_required("course.leave_waiting_list")
def leave_waiting_list(slug):
    """Leave the waiting list."""
    return _member_step(slug, operations.leave_waiting_list, lambda e: "You have left the waiting list.")


@bp.route("/courses/<slug>/accept", methods=["POST"])
@permission_required("course.accept_offer")
def accept_offer(slug):
    """Accept an offered place."""
    return _member_step(slug, operations.accept_offer,
                        lambda e: "You have a place on this course. We have sent you an email with the dates.")


@bp.route("/courses/<slug>/decline", methods=["POST"])
@permission_required("course.decline_offer")
def decline_offer(slug):
    """Turn down an offered place so it goes to the next person."""
    return _member_step(slug, operations.decline_offer, lambda e: "You have turned down the place. Thank you for letting us know.")


@bp.route("/courses/<slug>/cancel", methods=["GET", "POST"])
@permission_required("course.cancel_place")
def cancel(slug):
    """Confirm, then give up your place."""
    course = _course_or_404(slug)
    if request.method == "POST":
        return _member_step(slug, operations.cancel_place, lambda e: "Your place has been cancelled.")
    enrolment = operations.enrolment_of(current_user, course)
    if enrolment is None or enrolment.status != "enrolled":
        return redirect(url_for("courses.course", slug=course.slug))
    return render_template("courses/cancel.html", course=course, form=forms.ConfirmForm())


@bp.route("/courses/<slug>/calendar.ics")
@permission_required("site.view")
def course_ics(slug):
    """The course's sessions as an iCalendar file (joining links only for those with a place)."""
    course = _course_or_404(slug)
    if (unchanged := not_modified(finder.course_version, course, None, False,
                                  shared=course.status == "published")) is not None:
        return unchanged
    enrolment = operations.enrolment_of(current_user, course)
    joining = enrolment is not None and enrolment.status in HOLDS_PLACE or can(current_user, "course.run", course)
    body = course_calendar(course, with_joining_details=joining)
    return Response(body, mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{course.slug}.ics"'})


@bp.route("/learning")
@permission_required("learning.view")
@keepable
def my_learning():
    """Your upcoming sessions and your courses: enrolled, waiting, completed, cancelled."""
    now = utcnow()

    def page():
        mine = learning.my_learning(current_user, now)
        shows(courses=mine.course_ids)  # (and the member's own rows): others' check-ins leave the page kept
        return render_template("courses/learning.html", learning=mine, groups=learning.GROUPS, now=now)

    return kept_page(page, members=[current_user.id])  # and the courses the page names


@bp.route("/learning/sessions")
@permission_required("learning.view")
def my_sessions():
    """Every session coming up on your courses, soonest first, a page at a time."""
    pager, now = learning.Pager(page_arg(), 0), utcnow()
    rows, pager.total = learning.upcoming_sessions(current_user.id, now, limit=pager.per_page,
                                                   offset=(pager.page - 1) * pager.per_page)
    return render_template("courses/learning_sessions.html", rows=rows, pager=pager, now=now)


@bp.route("/learning/courses")
@permission_required("learning.view")
def my_courses():
    """Every course you have had a place on or waited for, newest first, a page at a time."""
    pager = learning.Pager(page_arg(), 0)
    rows, pager.total = learning.all_courses(current_user.id, pager.page)
    return render_template("courses/learning_courses.html", rows=rows, pager=pager)


@bp.route("/calendar/<token>.ics")
@permission_required("site.view")
@keepable
def member_ics(token):
    """A member's private calendar feed: no login, the secret in the address is the key."""
    owner = feed_owner(token)
    if owner is None:
        abort(404)
    member_id, version = owner
    if (unchanged := not_modified(lambda: version, shared=False)) is not None:
        return unchanged
    return kept_page(lambda: Response(member_calendar(member_id), mimetype="text/calendar",
                                      headers={"Cache-Control": "private, max-age=300"}), members=[member_id])


@bp.route("/account/calendar", methods=["GET", "POST"])
@permission_required("account.calendar_link")
def calendar_feed():
    """Make, show or replace your private calendar address."""
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        with own_row(current_user.id):  # the old address's feed is refused by its check, not by its kept copy
            current_user.calendar_token = secrets.token_urlsafe(32)
        flash("You have a new calendar address. The old one (if any) no longer works.", "success")
        return redirect(url_for("courses.calendar_feed"))
    url = external_url("courses.member_ics", token=current_user.calendar_token) \
        if current_user.calendar_token else None
    return render_template("courses/calendar_feed.html", url=url, form=form)


@bp.route("/notices", methods=["GET", "POST"])
@permission_required("notices.read")
def notices():
    """Your notices, newest first; opening the page marks them read."""
    form = forms.ConfirmForm()
    items = db.session.scalars(select(Notice).where(Notice.member_id == current_user.id)
                               .order_by(Notice.id.desc()).limit(100)).all()
    unread = [n.id for n in items if n.read_at is None]
    if unread:
        db.session.execute(update(Notice).where(Notice.id.in_(unread)).values(read_at=utcnow()))
    return render_template("courses/notices.html", items=items, unread=set(unread), form=form)


@bp.route("/account/notifications", methods=["GET", "POST"])
@permission_required("account.notification_settings")
def email_preferences():
    """Choose which emails you get; notices on the site always appear."""
    current = {p.kind: p.email for p in db.session.scalars(
        select(EmailPreference).where(EmailPreference.member_id == current_user.id))}
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        chosen = set(request.form.getlist("email"))
        for kind in NOTICE_KINDS:
            wanted = kind in chosen
            if current.get(kind, True) != wanted:
                row = db.session.scalar(select(EmailPreference).where(
                    EmailPreference.member_id == current_user.id, EmailPreference.kind == kind))
                if row is None:
                    db.session.add(EmailPreference(member_id=current_user.id, kind=kind, email=wanted))
                else:
                    row.email = wanted
        flash("Your email choices have been saved.", "success")
        return redirect(url_for("members.profile"))
    return render_template("courses/email_preferences.html", kinds=NOTICE_KINDS, current=current, form=form)


