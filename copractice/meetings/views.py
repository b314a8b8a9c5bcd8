"""Groups and their meetings: the list, a group's page and its people, meetings, answers with access needs, the
needs sheet, the register and self check-in, calendars and the attendance export."""
from datetime import datetime

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from copractice.attendance import markup
from copractice.attendance.forms import CheckinForm, RegisterForm
from copractice.attendance.models import MARKS
from copractice.attendance.operations import checkin_window
from copractice.attendance.reports import csv_lines, xlsx_bytes
from copractice.attendance.views import qr_svg
from copractice.courses.calendar import feed_member_id
from copractice.courses.forms import ConfirmForm
from copractice.extensions import db
from copractice.meetings import forms
from copractice.meetings import groups as group_ops
from copractice.meetings import meetings as ops
from copractice.meetings.meeting_models import RSVP_ANSWERS
from copractice.meetings.models import GROUP_ROLES, Group, Meeting
from copractice.members.models import ACCESS_NEEDS
from copractice.members.operations import find_by_email
from copractice.permissions import can, group_part, permission_required, require
from copractice.plugins import get_plugins
from copractice.timeutil import london_to_utc, utc_to_london, utcnow
from copractice.urls import external_url
from copractice.web import attempt

bp = Blueprint("meetings", __name__, url_prefix="/groups")

MEETING = "/<slug>/meetings/<int:meeting_id>"


def _me():
    return current_user._get_current_object()


def _group(slug, action="group.view"):
    """The group with its memberships (every permission check on the page reads them: one query), or 404."""
    group = db.session.scalar(select(Group).where(Group.slug == slug).options(selectinload(Group.memberships)))
    if group is None:
        abort(404)
    require(action, group)
    return group


def _meeting(slug, meeting_id, action="group.view"):
    group = _group(slug, action)
    meeting = db.session.scalar(select(Meeting).where(Meeting.id == meeting_id, Meeting.group_id == group.id))
    if meeting is None:
        abort(404)
    return group, meeting


def _back_to_group(group):
    return redirect(url_for("meetings.group", slug=group.slug))


def _back_to_meeting(group, meeting):
    return redirect(url_for("meetings.meeting", slug=group.slug, meeting_id=meeting.id))


# -- groups ----------------------------------------------------------------------------------------------------

@bp.route("/")
@permission_required("groups.view")
def groups():
    """The groups a member can see: open ones, theirs, and those they run."""
    shown = group_ops.visible_groups(_me())
    return render_template("meetings/groups.html", groups=shown, may_create=can(current_user, "groups.create"),
                           kinds=group_ops.group_kinds())


def _group_form(group=None):
    form = forms.GroupForm(obj=group)
    form.kind.choices = list(group_ops.group_kinds().items())
    themes = get_plugins().themes()
    choices = [(slug, t.name) for slug, t in sorted(themes.items()) if can(current_user, "groups.create", slug)]
    if group is not None and group.theme_slug and group.theme_slug not in dict(choices):
        choices.append((group.theme_slug, themes[group.theme_slug].name if group.theme_slug in themes
                        else group.theme_slug))
    if can(current_user, "groups.create", None) or (group is not None and group.theme_slug is None):
        choices.insert(0, ("", "The whole region (no one theme)"))
    form.theme_slug.choices = choices
    return form


def _group_fields(form):
    return {"name": form.name.data, "kind": form.kind.data, "theme_slug": form.theme_slug.data or None,
            "joining": form.joining.data, "description": form.description.data or ""}


@bp.route("/new", methods=["GET", "POST"])
@permission_required("groups.create")
def new_group():
    """Set up a group: the regional forum, a steering group, an advisory panel, a meet-up."""
    form = _group_form()
    if form.validate_on_submit():
        worked, group = attempt(lambda: group_ops.save_group(_me(), None, **_group_fields(form)),
                                "The group is set up. Invite its members next.", form=form, field="name")
        if worked:
            return _back_to_group(group)
    return render_template("meetings/group_form.html", form=form, group=None)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@permission_required("groups.view")
def edit_group(slug):
    """Change a group's name, kind, theme, how people join and what it is for."""
    group = _group(slug, "group.run")
    form = _group_form(group)
    if request.method == "GET":
        form.theme_slug.data = group.theme_slug or ""
    if form.validate_on_submit():
        worked, _ = attempt(lambda: group_ops.save_group(_me(), group, **_group_fields(form)),
                            "The group is saved.", form=form, field="name")
        if worked:
            return _back_to_group(group)
    return render_template("meetings/group_form.html", form=form, group=group)


@bp.route("/<slug>")
@permission_required("groups.view")
def group(slug):
    """A group's page: what it is for, its meetings, its people; join, accept, leave."""
    return _group_page(_group(slug), forms.InviteForm())


def _group_page(group, invite_form):
    coming, past = ops.group_meetings(group)
    return render_template("meetings/group.html", group=group, part=group_part(current_user, group),
                           may_run=can(current_user, "group.run", group), coming=coming, past=past,
                           people=ops.group_people(group), roles=GROUP_ROLES, kind_label=group_ops.kind_label(group),
                           invite_form=invite_form, feed_url=external_url("meetings.my_meetings_ics",
                                                                          token=current_user.calendar_token)
                           if current_user.calendar_token else None)


@bp.route("/<slug>/join", methods=["POST"])
@permission_required("groups.view")
def join(slug):
    """Join an open group, or accept an invitation."""
    group = _group(slug)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: group_ops.join(_me(), group), f"You are now a member of {group.name}.")
    return _back_to_group(group)


@bp.route("/<slug>/decline", methods=["POST"])
@permission_required("groups.view")
def decline(slug):
    """Say no to an invitation."""
    group = _group(slug)
    if ConfirmForm().validate_on_submit():
        worked, _ = attempt(lambda: group_ops.decline(_me(), group), "You have said no to the invitation.")
        if worked and not can(current_user, "group.view", group):
            return redirect(url_for("meetings.groups"))
    return _back_to_group(group)


@bp.route("/<slug>/leave", methods=["POST"])
@permission_required("groups.view")
def leave(slug):
    """Leave a group."""
    group = _group(slug)
    if ConfirmForm().validate_on_submit():
        worked, _ = attempt(lambda: group_ops.leave(_me(), group), f"You have left {group.name}.")
        if worked and not can(current_user, "group.view", group):
            return redirect(url_for("meetings.groups"))
    return _back_to_group(group)


@bp.route("/<slug>/invite", methods=["POST"])
@permission_required("groups.view")
def invite(slug):
    """Invite a member by their email address: they accept or decline on the group's page."""
    group = _group(slug, "group.run")
    form = forms.InviteForm()
    if form.validate_on_submit():
        member = find_by_email(form.email.data)
        worked, _ = attempt(lambda: group_ops.invite(_me(), group, member), form=form, field="email")
        if worked:
            flash(f"{member.name} has been invited. They are told by a notice and email.", "success")
            return _back_to_group(group)
    return _group_page(group, form)


@bp.route("/<slug>/people/<int:member_id>/role", methods=["POST"])
@permission_required("groups.view")
def set_role(slug, member_id):
    """Make someone chair, secretary or a member."""
    group = _group(slug, "group.run")
    form = forms.RoleForm()
    if form.validate_on_submit():
        attempt(lambda: group_ops.set_role(_me(), group, member_id, form.role.data), "Their role is changed.")
    else:
        flash("Choose member, chair or secretary.", "error")
    return _back_to_group(group)


@bp.route("/<slug>/people/<int:member_id>/remove", methods=["POST"])
@permission_required("groups.view")
def remove(slug, member_id):
    """Take someone out of the group, or withdraw their invitation."""
    group = _group(slug, "group.run")
    if ConfirmForm().validate_on_submit():
        attempt(lambda: group_ops.remove(_me(), group, member_id), "They are no longer in the group.")
    return _back_to_group(group)


@bp.route("/<slug>/calendar.ics")
@permission_required("groups.view")
def group_ics(slug):
    """The group's meetings for a calendar app; joining details only for its members."""
    group = _group(slug)
    return Response(ops.group_calendar(group, _me()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="{group.slug}.ics"'})


@bp.route("/calendar/<token>.ics")
@permission_required("site.view")
def my_meetings_ics(token):
    """A member's private feed of their groups' meetings: no login, the secret in the address is the key (the same
    secret as their courses' calendar address)."""
    member_id = feed_member_id(token)
    if member_id is None:
        abort(404)
    return Response(ops.member_meetings_calendar(member_id), mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300"})


@bp.route("/<slug>/attendance.<any(csv, xlsx):kind>")
@permission_required("groups.view")
def attendance_export(slug, kind):
    """Attendance at the group's meetings as CSV or XLSX (cells a spreadsheet would run are made text)."""
    group = _group(slug, "group.run")
    headers, rows = ops.attendance_table(group)
    name = f"attendance-{group.slug}"
    if kind == "csv":
        # Built whole, not streamed: the rows are already read, and a streamed body keeps the request open.
        return Response("".join(csv_lines(headers, rows)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(xlsx_bytes(headers, rows, "Attendance"),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


# -- meetings --------------------------------------------------------------------------------------------------

def _meeting_fields(form):
    day = form.date.data
    return {"title": form.title.data, "venue": form.venue.data, "joining_details": form.joining_details.data,
            "papers_days_before": form.papers_days_before.data,
            "starts_at": london_to_utc(datetime.combine(day, form.start_time.data)),
            "ends_at": london_to_utc(datetime.combine(day, form.end_time.data))}


def _meeting_form_page(group, meeting, form):
    if form.validate_on_submit():
        worked, saved = attempt(lambda: ops.save_meeting(_me(), group, meeting, **_meeting_fields(form)),
                                "The meeting is saved.", form=form, field=_field_of)
        if worked:
            return _back_to_meeting(group, saved)
    return render_template("meetings/meeting_form.html", form=form, group=group, meeting=meeting)


def _field_of(refused):
    """Which field a refusal is about: times (including a time the clocks skip), the place, or the title."""
    text = str(refused)
    if "exist in the UK" in text:
        return "start_time"
    if "end after" in text:
        return "end_time"
    return "joining_details" if "place" in text else "title"


@bp.route("/<slug>/meetings/new", methods=["GET", "POST"])
@permission_required("groups.view")
def new_meeting(slug):
    """Arrange a meeting: date and time in UK time, a place and/or how to join."""
    group = _group(slug, "group.run")
    return _meeting_form_page(group, None, forms.MeetingForm())


@bp.route(MEETING + "/edit", methods=["GET", "POST"])
@permission_required("groups.view")
def edit_meeting(slug, meeting_id):
    """Change a meeting's title, time or place."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    form = forms.MeetingForm(obj=meeting)
    if request.method == "GET":
        start, end = utc_to_london(meeting.starts_at), utc_to_london(meeting.ends_at)
        form.date.data, form.start_time.data, form.end_time.data = start.date(), start.time(), end.time()
    return _meeting_form_page(group, meeting, form)


@bp.route(MEETING + "/cancel", methods=["POST"])
@permission_required("groups.view")
def cancel_meeting(slug, meeting_id):
    """Cancel a meeting: those who said they might come are told."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.cancel_meeting(_me(), meeting), "The meeting is cancelled.")
    return _back_to_meeting(group, meeting)


@bp.route(MEETING)
@permission_required("groups.view")
def meeting(slug, meeting_id):
    """A meeting: when and where, how to join (members), who is coming, the agenda."""
    group, meeting = _meeting(slug, meeting_id)
    may_run = can(current_user, "group.run", group)
    return render_template("meetings/meeting.html", group=group, meeting=meeting, may_run=may_run,
                           part=group_part(current_user, group), sees_joining=ops.sees_joining_details(current_user, group),
                           rsvp=ops.rsvp_of(current_user, meeting), counts=ops.rsvp_counts(meeting),
                           answers=RSVP_ANSWERS, finished=meeting.ends_at <= utcnow())


@bp.route(MEETING + "/calendar.ics")
@permission_required("groups.view")
def meeting_ics(slug, meeting_id):
    """One meeting for a calendar app; joining details only for the group's members."""
    group, meeting = _meeting(slug, meeting_id)
    return Response(ops.meeting_calendar(meeting, _me()), mimetype="text/calendar",
                    headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'})


@bp.route(MEETING + "/rsvp", methods=["GET", "POST"])
@permission_required("groups.view")
def rsvp(slug, meeting_id):
    """Say whether you are coming, and check the access and support needs the chair will plan for."""
    group, meeting = _meeting(slug, meeting_id)
    current = ops.rsvp_of(current_user, meeting)
    form = forms.RsvpForm()
    if request.method == "GET":
        form.answer.data = current.answer if current else None
        form.access_needs.data = list(current_user.access_needs or [])
        form.access_needs_note.data = current_user.access_needs_note or ""
    if form.validate_on_submit():
        worked, row = attempt(lambda: ops.answer(_me(), meeting, form.answer.data, access_needs=form.access_needs.data,
                                                 access_needs_note=form.access_needs_note.data),
                              lambda row: f"Thank you. We have you down as: {row.answer_label}.", form=form,
                              field="answer")
        if worked:
            return _back_to_meeting(group, meeting)
    return render_template("meetings/rsvp.html", group=group, meeting=meeting, form=form)


@bp.route(MEETING + "/needs")
@permission_required("groups.view")
def needs(slug, meeting_id):
    """A printable sheet of the access and support needs of everyone coming."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    people, need_counts = ops.needs_sheet(meeting)
    return render_template("meetings/needs.html", group=group, meeting=meeting, people=people,
                           need_counts=need_counts, labels=ACCESS_NEEDS, answers=RSVP_ANSWERS)


# -- the register and check-in ---------------------------------------------------------------------------------

@bp.route(MEETING + "/register", methods=["GET", "POST"])
@permission_required("groups.view")
def register(slug, meeting_id):
    """Take the register: one tap per person (the same register as courses'), or everyone present first."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    if request.method == "POST":
        form = RegisterForm()
        if form.validate_on_submit():
            changed, valid = form.changed_remarks()
            pressed = form.pressed()
            if pressed is not None:
                status, member_id = pressed
                ok, remark = form.remark_of(member_id)
                attempt(lambda: ops.mark(_me(), meeting, member_id, status, remark=remark if ok else None))
                return redirect(url_for("meetings.register", slug=group.slug, meeting_id=meeting.id,
                                        _anchor=f"person-{member_id}"))
            elif "everyone" in request.form:
                attempt(lambda: ops.mark_everyone_present(_me(), meeting),
                        lambda n: f"{n} {'person' if n == 1 else 'people'} marked present.")
            else:
                worked, waiting = attempt(lambda: ops.save_remarks(_me(), meeting, changed))
                if worked and waiting:
                    flash("Not saved yet: a remark is saved with a mark. Choose their mark first.", "error")
                if not valid:
                    flash("A remark was too long or had a line break: it was not saved.", "error")
        return redirect(url_for("meetings.register", slug=group.slug, meeting_id=meeting.id))
    rows = ops.register(meeting)
    opens = ops.marking_opens_at(meeting)
    return render_template("meetings/register.html", group=group, meeting=meeting, rows=rows, marks=MARKS,
                           rows_html=markup.register_rows(rows), started=utcnow() >= opens, opens=opens)


@bp.route(MEETING + "/check-in-code")
@permission_required("groups.view")
def checkin_code(slug, meeting_id):
    """The code for members to check themselves in, to show in the room."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    code, seconds_left, qr = _checkin_payload(group, meeting)
    opens, closes = checkin_window(meeting)
    return render_template("meetings/checkin_code.html", group=group, meeting=meeting, code=code, qr=qr,
                           seconds_left=seconds_left, opens=opens, closes=closes,
                           is_open=opens <= utcnow() <= closes)


def _checkin_payload(group, meeting):
    """The code to show now, the seconds until it changes, and the QR code that leads to the form with it."""
    code, seconds_left = ops.current_code(meeting)
    return code, seconds_left, qr_svg(external_url("meetings.check_in", slug=group.slug, meeting_id=meeting.id,
                                                   code=code))


@bp.route(MEETING + "/check-in-code.json")
@permission_required("groups.view")
def checkin_json(slug, meeting_id):
    """The current code, for the check-in screen to refresh itself (the same script as courses' screen)."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    code, seconds_left, qr = _checkin_payload(group, meeting)
    return jsonify(code=code, seconds_left=seconds_left, svg=str(qr))


@bp.route(MEETING + "/check-in", methods=["GET", "POST"])
@permission_required("groups.view")
def check_in(slug, meeting_id):
    """Check yourself in by typing the code the chair shows."""
    group, meeting = _meeting(slug, meeting_id)
    form = CheckinForm(data={"code": request.args.get("code", "")} if request.method == "GET" else None)
    if form.validate_on_submit():
        worked, result = attempt(lambda: ops.check_in(_me(), meeting, form.code.data), form=form, field="code")
        if worked:
            row, changed = result
            flash(f"You are checked in: {MARKS[row.status]}." if changed else "You were already checked in.",
                  "success")
            return _back_to_meeting(group, meeting)
    return render_template("meetings/check_in.html", group=group, meeting=meeting, form=form)
