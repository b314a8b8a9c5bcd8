"""Running courses: create and edit, sessions, who is coming, the waiting list, access needs."""
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from copractice.courses import catalogue as finder
from copractice.courses import extras, forms, operations
from copractice.courses.models import HOLDS_PLACE, Course, Enrolment, Session
from copractice.extensions import db
from copractice.members.models import ACCESS_NEEDS, Member, need_counts
from copractice.members.operations import find_by_email
from copractice.permissions import can, permission_required, require
from copractice.plugin_settings import SettingsInvalid
from copractice.plugins import get_plugins
from copractice.timeutil import london_to_utc, utc_to_london, weekly
from copractice.web import attempt

bp = Blueprint("manage", __name__, url_prefix="/manage")


def _course(course_id, action="course.manage"):
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    require(action, course)
    return course


def _session(session_id, action="course.manage"):
    session = db.session.get(Session, session_id)
    if session is None:
        abort(404)
    require(action, session.course)
    return session


def _creatable_themes():
    themes = get_plugins().themes()
    return {slug: t for slug, t in themes.items() if can(current_user, "course.create", slug)}


@bp.route("/courses")
@permission_required("courses.organise")
def courses():
    """The courses you run or manage."""
    is_admin = current_user.role == "admin"
    rows = finder.organiser_courses(current_user, is_admin, sorted(current_user.led_themes))
    return render_template("manage/courses.html", courses=rows, themes=get_plugins().themes(),
                           may_create=can(current_user, "course.create"))


def _facilitator_pairs(form):
    """[(member, lived_experience)] from the two email lists, or field errors for unknown addresses."""
    pairs, ok = [], True
    for field, lived in ((form.facilitators, False), (form.lived_experience, True)):
        unknown = []
        for email in field.data or []:
            member = find_by_email(email)
            if member is None or not member.is_active:
                unknown.append(email)
            else:
                pairs.append((member, lived))
        if unknown:
            field.errors = list(field.errors) + [f"No account has the address: {', '.join(unknown)}"]
            ok = False
    return pairs if ok else None


def _local(value):
    return london_to_utc(value) if value else None


def _course_form(course=None):
    questions = extras.course_questions()
    form_class = forms.course_form_class(extras.form_fields(questions, extras.answers_of(getattr(course, "id", None))))
    form = form_class(obj=course)
    form.plugin_questions = questions
    themes = _creatable_themes()
    if course is not None and course.theme_slug not in themes:
        themes[course.theme_slug] = get_plugins().themes().get(course.theme_slug)
    form.theme_slug.choices = [(slug, t.name if t else slug) for slug, t in sorted(themes.items())]
    if request.method == "GET" and course is not None:
        form.facilitators.data = [f.member.email for f in course.facilitators if not f.lived_experience and f.member.email]
        form.lived_experience.data = [f.member.email for f in course.facilitators if f.lived_experience and f.member.email]
        form.enrolment_opens_at.data = utc_to_london(course.enrolment_opens_at) if course.enrolment_opens_at else None
        form.enrolment_closes_at.data = utc_to_london(course.enrolment_closes_at) if course.enrolment_closes_at else None
    return form


def _save(form, course):
    if not form.is_submitted():
        return None
    valid = form.validate()  # then the checks below, so that every error shows at once
    pairs = _facilitator_pairs(form)
    if form.theme_slug.data and not can(current_user, "course.create", form.theme_slug.data) and (
            course is None or form.theme_slug.data != course.theme_slug):
        form.theme_slug.errors = list(form.theme_slug.errors) + ["You can only add courses to themes you lead."]
        valid = False
    if not valid or pairs is None:
        return None
    def save():
        fields = {name: getattr(form, name).data for name in
                  ("title", "summary", "description", "theme_slug", "audience", "level", "format", "capacity", "status")}
        fields["enrolment_opens_at"] = _local(form.enrolment_opens_at.data)
        fields["enrolment_closes_at"] = _local(form.enrolment_closes_at.data)
        return operations.save_course(current_user, course, facilitators=pairs,
                                      extras=extras.answers_from(form, form.plugin_questions), **fields)

    try:
        _worked, saved = attempt(save, form=form, field=lambda refused: (
            "facilitators" if isinstance(refused, operations.FacilitatorRefused) else "status"))
    except SettingsInvalid as exc:  # a plugin's question (the form judged it the same way: a backstop)
        for name, message in exc.errors.items():
            form[name].errors = list(form[name].errors) + [message]
        return None
    return saved


@bp.route("/courses/new", methods=["GET", "POST"])
@permission_required("course.create")
def new_course():
    """Create a course."""
    form = _course_form()
    course = _save(form, None)
    if course is not None:
        flash("The course has been created. Now add its sessions.", "success")
        return redirect(url_for("manage.course", course_id=course.id))
    return render_template("manage/course_form.html", form=form, course=None)


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
@permission_required("courses.organise")
def edit_course(course_id):
    """Change a course."""
    course = _course(course_id)
    form = _course_form(course)
    if _save(form, course) is not None:
        flash("The course has been saved.", "success")
        return redirect(url_for("manage.course", course_id=course.id))
    return render_template("manage/course_form.html", form=form, course=course)


@bp.route("/courses/<int:course_id>")
@permission_required("courses.organise")
def course(course_id):
    """A course you run: sessions, who has a place, who is waiting."""
    course = _course(course_id, "course.run")
    people = finder.roster(course)
    return render_template(
        "manage/course.html", course=course, may_manage=can(current_user, "course.manage", course),
        enrolled=[e for e in people if e.status in HOLDS_PLACE], waiting=[e for e in people if e.status == "waiting"],
        enrol_form=forms.ManualEnrolForm(), reason_form=forms.ReasonForm(), theme=get_plugins().themes().get(course.theme_slug))


def _session_times(form):
    day = form.date.data
    start = datetime.combine(day, form.start_time.data)
    end = datetime.combine(day, form.end_time.data)
    return weekly(start, end, form.repeat_weeks.data or 1)


@bp.route("/courses/<int:course_id>/sessions/new", methods=["GET", "POST"])
@permission_required("courses.organise")
def new_session(course_id):
    """Add one session, or a weekly series in one step."""
    course = _course(course_id)
    form = forms.SessionForm()
    if form.validate_on_submit():
        worked, _ = attempt(lambda: operations.add_sessions(current_user, course, _session_times(form),
                                                            venue=form.venue.data, online_link=form.online_link.data,
                                                            note=form.note.data),
                            lambda sessions: f"{len(sessions)} session{'s' if len(sessions) != 1 else ''} added.",
                            form=form, field="start_time")
        if worked:
            return redirect(url_for("manage.course", course_id=course.id))
    return render_template("manage/session_form.html", form=form, course=course, session=None)


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@permission_required("courses.organise")
def edit_session(session_id):
    """Change a session; people with a place are told if the time or place changes."""
    session = _session(session_id)
    form = forms.SessionForm(obj=session)
    del form.repeat_weeks
    if request.method == "GET":
        start, end = utc_to_london(session.starts_at), utc_to_london(session.ends_at)
        form.date.data, form.start_time.data, form.end_time.data = start.date(), start.time(), end.time()
    if form.validate_on_submit():
        def save():
            start = london_to_utc(datetime.combine(form.date.data, form.start_time.data))
            end = london_to_utc(datetime.combine(form.date.data, form.end_time.data))
            return operations.update_session(current_user, session, starts_at=start, ends_at=end,
                                             venue=form.venue.data, online_link=form.online_link.data,
                                             note=form.note.data)

        worked, _ = attempt(save, "The session has been saved. Anyone with a place has been told about changes.",
                            form=form, field="start_time")
        if worked:
            return redirect(url_for("manage.course", course_id=session.course_id))
    return render_template("manage/session_form.html", form=form, course=session.course, session=session)


@bp.route("/sessions/<int:session_id>/delete", methods=["POST"])
@permission_required("courses.organise")
def delete_session(session_id):
    """Remove a session."""
    session = _session(session_id)
    course_id = session.course_id
    if forms.ConfirmForm().validate_on_submit():
        operations.delete_session(current_user, session)
        flash("The session has been removed.", "success")
    return redirect(url_for("manage.course", course_id=course_id))


@bp.route("/sessions/<int:session_id>/access-needs")
@permission_required("courses.organise")
def access_needs(session_id):
    """A printable sheet of the access and support needs of everyone with a place."""
    session = _session(session_id, "course.access_needs")
    people = db.session.scalars(
        select(Member).join(Enrolment, Enrolment.member_id == Member.id)
        .where(Enrolment.course_id == session.course_id, Enrolment.status.in_(HOLDS_PLACE))
        .order_by(Member.name)).all()
    return render_template("manage/access_needs.html", session=session, course=session.course, people=people,
                           labels=ACCESS_NEEDS, need_counts=need_counts(m.access_needs for m in people))


@bp.route("/courses/<int:course_id>/enrol", methods=["POST"])
@permission_required("courses.organise")
def enrol_member(course_id):
    """Give someone a place by hand, with a reason."""
    course = _course(course_id)
    form = forms.ManualEnrolForm()
    if form.validate_on_submit():
        member = find_by_email(form.email.data)
        if member is None or not member.is_active:
            flash(f"No account has the address {form.email.data}.", "error")
        else:
            attempt(lambda: operations.enrol(member, course, organiser=current_user._get_current_object(),
                                             reason=form.reason.data), f"{member.name} now has a place.")
    else:
        flash("Enter their email address.", "error")
    return redirect(url_for("manage.course", course_id=course.id))


def _enrolment(enrolment_id):
    enrolment = db.session.get(Enrolment, enrolment_id)
    if enrolment is None:
        abort(404)
    require("course.manage", enrolment.course)
    return enrolment


@bp.route("/enrolments/<int:enrolment_id>/remove", methods=["POST"])
@permission_required("courses.organise")
def remove(enrolment_id):
    """Take someone off the course or its waiting list, with a reason."""
    enrolment = _enrolment(enrolment_id)
    form = forms.ReasonForm()
    if form.validate_on_submit():
        attempt(lambda: operations.remove_member(current_user._get_current_object(), enrolment, form.reason.data),
                "They have been removed and told by email.")
    return redirect(url_for("manage.course", course_id=enrolment.course_id))


@bp.route("/enrolments/<int:enrolment_id>/move", methods=["POST"])
@permission_required("courses.organise")
def move(enrolment_id):
    """Move someone up or down the waiting list, with a reason."""
    enrolment = _enrolment(enrolment_id)
    form = forms.MoveForm()
    if form.validate_on_submit() and form.direction.data in ("up", "down"):
        attempt(lambda: operations.move_in_waiting_list(current_user._get_current_object(), enrolment,
                                                        -1 if form.direction.data == "up" else 1, form.reason.data))
    return redirect(url_for("manage.course", course_id=enrolment.course_id) + "#waiting-list")
