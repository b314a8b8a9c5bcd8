"""Registers, self check-in, apologies, online reports, certificates and attendance reports."""
import segno
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from copractice.attendance import forms, markup, reports
from copractice.attendance import operations as ops
from copractice.attendance.certificates import certificate_pdf
from copractice.attendance.models import MARKS, AttendanceChange, Certificate
from copractice.courses.catalogue import course_by_slug
from copractice.courses.forms import ConfirmForm
from copractice.courses.models import Course, Session
from copractice.extensions import db
from copractice.kept_pages import keepable, kept_page
from copractice.members.models import Member
from copractice.members.operations import find_by_email
from copractice.permissions import can, permission_required, require
from copractice.plugins import get_plugins
from copractice.timeutil import utcnow
from copractice.urls import external_url
from copractice.web import attempt

bp = Blueprint("attendance", __name__)


def _session(session_id, action="course.run"):
    """The session with its course (which every register page and its permission check read) in one statement."""
    session = db.session.get(Session, session_id, options=[joinedload(Session.course, innerjoin=True)])
    if session is None:
        abort(404)
    require(action, session.course)
    return session


def _done(step):
    """Run one operation and show its refusal, if any. Returns (worked, result); the request commits.

    Operations refuse before they write (or undo their own writes), so a refusal saves nothing.
    Someone with no place is a 404 that names nobody, so a member id reveals nothing.
    """
    def run():
        try:
            return step()
        except ops.NoPlace:
            abort(404)

    return attempt(run)


# -- the register ---------------------------------------------------------------------------------------------------

def _register_page(session, typed=None):
    opens = ops.marking_opens_at(session)
    rows = ops.register(session)
    trainees = [row for row in rows if not row.co_facilitating]
    co_facilitators = [row for row in rows if row.co_facilitating]
    return render_template("attendance/register.html", session=session, course=session.course,
                           opens=opens, started=utcnow() >= opens, rows=rows, marks=MARKS,
                           rows_html=markup.register_rows(trainees, typed),
                           co_rows_html=markup.register_rows(co_facilitators, typed) if co_facilitators else None,
                           walk_in=forms.WalkInForm(),
                           extras=get_plugins().collect("copractice_register_extras", session.course.theme_slug,
                                                         session=session))


@bp.route("/manage/sessions/<int:session_id>/register")
@permission_required("courses.organise")
@keepable
def register(session_id):
    """Take the register: one tap per person, or everyone present then the exceptions."""
    session = _session(session_id)
    now = utcnow()  # the page changes by itself as check-in opens and closes and the session starts and ends
    changes = [at for at in (*ops.checkin_window(session), session.starts_at, session.ends_at) if at > now]
    return kept_page(lambda: _register_page(session), until=min(changes, default=None), courses=[session.course_id])


@bp.route("/manage/sessions/<int:session_id>/register/marks", methods=["POST"])
@permission_required("courses.organise")
def take_register(session_id):
    """The register's one form. A mark button saves that person's mark and their remark; Enter in a
    remark box saves the remarks that were changed, each keeping its mark."""
    session = _session(session_id)
    back = url_for("attendance.register", session_id=session.id)
    form = forms.RegisterForm()
    if not form.validate_on_submit():
        flash("That mark could not be saved. Please try again.", "error")
        return redirect(back)
    pressed = form.pressed()
    if pressed is not None:
        status, member_id = pressed
        valid, remark = form.remark_of(member_id)
        if not valid:
            flash("That mark could not be saved. Please try again.", "error")
        elif not _done(lambda: ops.mark(current_user, session, member_id, status, remark=remark))[0]:
            return redirect(back)
        return redirect(f"{back}#person-{member_id}")
    remarks, valid = form.changed_remarks()
    if not valid:
        flash("That remark could not be saved. Please try again.", "error")
        return redirect(back)
    worked, unmarked = _done(lambda: ops.save_remarks(current_user, session, remarks))
    if not worked:
        return redirect(back)
    if unmarked:  # keep what they typed, and say what to do
        flash("Not saved yet: a remark is saved with a mark. Choose Present, Late, Excused or Absent to save it. "
              "What you typed is still in the box.", "error")
        return _register_page(session, typed={member_id: remarks[member_id] for member_id in unmarked})
    return redirect(f"{back}#person-{next(iter(remarks))}" if remarks else back)


@bp.route("/manage/sessions/<int:session_id>/register/<int:member_id>", methods=["POST"])
@permission_required("courses.organise")
def mark(session_id, member_id):
    """Set one person's mark (and remark)."""
    session = _session(session_id)
    form = forms.MarkForm()
    status = request.form.get("status")
    if form.validate_on_submit() and status in MARKS:
        if not _done(lambda: ops.mark(current_user, session, member_id, status, remark=form.remark.data))[0]:
            return redirect(url_for("attendance.register", session_id=session.id))
    else:
        flash("That mark could not be saved. Please try again.", "error")
    return redirect(url_for("attendance.register", session_id=session.id) + f"#person-{member_id}")


@bp.route("/manage/sessions/<int:session_id>/register/everyone-present", methods=["POST"])
@permission_required("courses.organise")
def everyone_present(session_id):
    """Mark everyone not yet marked as present."""
    session = _session(session_id)
    if ConfirmForm().validate_on_submit():
        worked, count = _done(lambda: ops.mark_everyone_present(current_user, session))
        if worked and count:
            flash(f"{count} {'person' if count == 1 else 'people'} marked present. "
                  "Now change anyone who is not here.", "success")
        elif worked:
            flash("There was nobody left to mark: everyone with a place already has a mark.", "info")
    return redirect(url_for("attendance.register", session_id=session.id))


@bp.route("/manage/sessions/<int:session_id>/register/walk-in", methods=["POST"])
@permission_required("courses.organise")
def walk_in(session_id):
    """Add someone who came without a place: they get a place and are marked present."""
    session = _session(session_id)
    form = forms.WalkInForm()
    if form.validate_on_submit():
        member = find_by_email(form.email.data)
        if member is None or not member.is_active:
            flash(f"No account has the address {form.email.data}. Ask them to create an account first.", "error")
        else:
            attempt(lambda: ops.add_walk_in(current_user._get_current_object(), session, member),
                    f"{member.name} has been added and marked present.")
    else:
        flash("Enter their email address.", "error")
    return redirect(url_for("attendance.register", session_id=session.id))


@bp.route("/manage/sessions/<int:session_id>/register/history")
@permission_required("courses.organise")
def register_history(session_id):
    """Every change to this register: who, when, old and new mark."""
    session = _session(session_id)
    changes = db.session.execute(
        select(AttendanceChange, Member).join(Member, Member.id == AttendanceChange.member_id)
        .where(AttendanceChange.session_id == session.id).order_by(AttendanceChange.id.desc())).all()
    return render_template("attendance/history.html", session=session, course=session.course, changes=changes,
                           marks=MARKS)


# -- self check-in ----------------------------------------------------------------------------------------------------

def qr_svg(url):
    """An inline SVG QR code: large, with a quiet zone, so phone cameras read it from across a room."""
    return Markup(segno.make(url, error="m").svg_inline(scale=8, border=4, dark="#000", light="#fff",
                                                         title="QR code to check in"))


def _checkin_payload(session):
    code, seconds_left = ops.current_checkin_code(session)
    url = external_url("attendance.check_in_session", session_id=session.id, code=code)
    return code, seconds_left, url


@bp.route("/manage/sessions/<int:session_id>/check-in")
@permission_required("courses.organise")
def show_checkin(session_id):
    """The screen to show in the room: a QR code and the same code to type, side by side."""
    session = _session(session_id)
    code, seconds_left, url = _checkin_payload(session)
    opens, closes = ops.checkin_window(session)
    return render_template("attendance/show_checkin.html", session=session, course=session.course, code=code,
                           seconds_left=seconds_left, qr=qr_svg(url), opens=opens, closes=closes,
                           is_open=opens <= utcnow() <= closes)


@bp.route("/manage/sessions/<int:session_id>/check-in.json")
@permission_required("courses.organise")
def checkin_json(session_id):
    """The current code for the check-in screen to refresh itself."""
    session = _session(session_id)
    code, seconds_left, url = _checkin_payload(session)
    return jsonify(code=code, seconds_left=seconds_left, svg=str(qr_svg(url)))


def _do_check_in(form, session=None):
    worked, result = attempt(lambda: ops.self_check_in(current_user._get_current_object(), form.code.data,
                                                         session=session), form=form, field="code")
    if not worked:
        return None
    attendance, changed = result
    return render_template("attendance/checked_in.html", attendance=attendance, changed=changed,
                           course=attendance.session.course)


@bp.route("/check-in", methods=["GET", "POST"])
@permission_required("session.check_in")
def check_in():
    """Check in to a session by typing the code shown in the room."""
    form = forms.CheckinForm()
    if form.validate_on_submit():
        done = _do_check_in(form)
        if done:
            return done
    return render_template("attendance/check_in.html", form=form, session=None)


@bp.route("/check-in/<int:session_id>", methods=["GET", "POST"])
@permission_required("session.check_in")
def check_in_session(session_id):
    """Where the QR code leads: one button to check in (the code is already filled in)."""
    session = db.session.get(Session, session_id)
    if session is None:
        abort(404)
    form = forms.CheckinForm(data={"code": request.args.get("code", "")})
    if form.validate_on_submit():
        done = _do_check_in(form, session)
        if done:
            return done
    return render_template("attendance/check_in.html", form=form, session=session)


# -- apologies ----------------------------------------------------------------------------------------------------------

@bp.route("/sessions/<int:session_id>/apologies", methods=["GET", "POST"])
@permission_required("session.send_apologies")
def apologies(session_id):
    """Tell the facilitator in advance that you cannot come."""
    session = db.session.get(Session, session_id)
    if session is None or not can(current_user, "course.view", session.course):
        abort(404)
    form = forms.ApologyForm()
    if form.validate_on_submit():
        attempt(lambda: ops.send_apology(current_user._get_current_object(), session, form.reason.data),
                "Thank you for letting us know. The facilitator can see you sent apologies.")
        return redirect(url_for("courses.my_learning"))
    current = ops.current_mark(session.id, current_user.id)
    return render_template("attendance/apologies.html", session=session, course=session.course, form=form,
                           current=current, withdraw=ConfirmForm())


@bp.route("/sessions/<int:session_id>/apologies/withdraw", methods=["POST"])
@permission_required("session.send_apologies")
def withdraw_apologies(session_id):
    """You can come after all."""
    session = db.session.get(Session, session_id)
    if session is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.withdraw_apology(current_user._get_current_object(), session),
                "Your apologies have been withdrawn. See you there!")
    return redirect(url_for("courses.my_learning"))


# -- online participant reports --------------------------------------------------------------------------------------

UNMATCHED_SHOWN = 200  # rows of a report that matched nobody, listed to match by hand


@bp.route("/manage/sessions/<int:session_id>/import", methods=["GET", "POST"])
@permission_required("courses.organise")
def import_report(session_id):
    """Mark an online session from the video call's participant report."""
    session = _session(session_id)
    form = forms.ImportForm()
    result = None
    if form.validate_on_submit():
        _, result = attempt(lambda: ops.import_participant_report(current_user, session, form.report.data.read(),
                                                                  form.min_minutes.data), form=form, field="report")
    unmarked = [row for row in ops.register(session) if row.status is None and row.enrolled]
    return render_template("attendance/import.html", session=session, course=session.course, form=form,
                           result=result, unmarked=unmarked, mark_form=forms.MarkForm(), shown=UNMATCHED_SHOWN)


@bp.route("/manage/sessions/<int:session_id>/import/match", methods=["POST"])
@permission_required("courses.organise")
def match_row(session_id):
    """Mark a row of the report that matched nobody, as the person the organiser chose."""
    session = _session(session_id)
    form = forms.MarkForm()
    member_id = request.form.get("member_id", type=int)
    status = request.form.get("status")
    has_place = member_id in {row.member_id for row in ops.register(session) if row.enrolled}
    if form.validate_on_submit() and status in MARKS and has_place:
        if _done(lambda: ops.mark(current_user, session, member_id, status, remark=form.remark.data, source="import",
                                  minutes=ops.minutes_or_none(request.form.get("minutes"))))[0]:
            flash("Marked. The register now shows them.", "success")
    else:
        flash("Choose someone with a place on the course.", "error")
    return redirect(url_for("attendance.import_report", session_id=session.id))


# -- certificates --------------------------------------------------------------------------------------------------

@bp.route("/certificates/<slug>.pdf")
@permission_required("certificate.download")
def certificate(slug):
    """Download your certificate for a course you completed."""
    course = course_by_slug(slug)
    if course is None:
        abort(404)
    cert = ops.current_certificate(course.id, current_user.id)
    if cert is None:
        abort(404)
    return Response(certificate_pdf(cert), mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="certificate-{course.slug}.pdf"'})


@bp.route("/certificates/check", methods=["GET"])
@permission_required("site.view")
def check_certificate():
    """Check a certificate by its code (no login needed)."""
    code = (request.args.get("code") or "").strip().upper().replace(" ", "")
    if code:
        return redirect(url_for("attendance.verify_certificate", code=code))
    return render_template("attendance/check_certificate.html")


@bp.route("/certificates/check/<code>")
@permission_required("site.view")
def verify_certificate(code):
    """Whether a certificate is genuine: name, course and date only."""
    cert = db.session.scalar(select(Certificate).where(Certificate.code == code.upper()))
    return render_template("attendance/verify.html", cert=cert, code=code.upper(),
                           revoke=forms.RevokeForm(), reissue=ConfirmForm()), 200 if cert else 404


def _certificate_or_404(code):
    cert = db.session.scalar(select(Certificate).where(Certificate.code == code))
    if cert is None:
        abort(404)
    return cert


@bp.route("/manage/certificates/<code>/revoke", methods=["POST"])
@permission_required("certificate.manage")
def revoke_certificate(code):
    """Revoke a certificate, with a reason."""
    cert = _certificate_or_404(code)
    form = forms.RevokeForm()
    if form.validate_on_submit():
        attempt(lambda: ops.revoke_certificate(current_user, cert, form.reason.data), "The certificate has been revoked.")
    else:
        flash("Say why the certificate is revoked.", "error")
    return redirect(url_for("attendance.verify_certificate", code=cert.code))


@bp.route("/manage/certificates/<code>/reissue", methods=["POST"])
@permission_required("certificate.manage")
def reissue_certificate(code):
    """Issue a new certificate in place of this one."""
    cert = _certificate_or_404(code)
    if ConfirmForm().validate_on_submit():
        worked, new = attempt(lambda: ops.reissue_certificate(current_user, cert),
                              lambda new: f"A new certificate has been issued: {new.code}.")
        if worked:
            return redirect(url_for("attendance.verify_certificate", code=new.code))
    return redirect(url_for("attendance.verify_certificate", code=cert.code))


# -- reports ----------------------------------------------------------------------------------------------------------

def _export(table, name):
    """The CSV or XLSX the query string asks for, or None for the page. ``table`` makes (headers, rows),
    called only for an export: the page itself never builds it."""
    kind = request.args.get("format")
    if kind not in ("csv", "xlsx"):
        return None
    headers, rows = table()
    if kind == "csv":
        return Response(stream_with_context(reports.csv_lines(headers, rows)), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    if kind == "xlsx":
        return Response(reports.xlsx_bytes(headers, rows, name),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})
    return None


@bp.route("/reports/courses/<int:course_id>")
@permission_required("courses.organise")
@keepable
def course_report(course_id):
    """A course's sessions x members grid with rates; export as CSV or XLSX."""
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    require("course.run", course)
    exported = _export(lambda: reports.course_grid_table(reports.course_grid(course)), f"attendance-{course.slug}")
    if exported is not None:
        return exported

    def page():
        grid = reports.course_grid(course)
        return render_template("attendance/course_report.html", grid=grid, course=course, percent=reports.percent,
                               rows_html=markup.grid_rows(grid))

    return kept_page(page, courses=[course.id])


@bp.route("/reports/members/<int:member_id>")
@permission_required("member.open_history")
def member_report(member_id):
    """One member's attendance across every course, with learning and involvement hours."""
    member = db.session.get(Member, member_id)
    if member is None or member.erased_at is not None:  # an erased member has no history of their own
        abort(404)
    require("member.history", member)
    marks, completions, hours = reports.member_history(member)
    exported = _export(lambda: reports.member_history_table(member, marks, completions),
                       f"attendance-member-{member.id}")
    if exported is not None:
        return exported
    return render_template("attendance/member_report.html", member=member, marks=marks, completions=completions,
                           hours=hours)


def _filters_form():
    form = forms.ReportFilterForm(request.args)
    themes = get_plugins().themes()
    allowed = None if current_user.role == "admin" else sorted(current_user.led_themes)
    form.theme.choices = [("", "All themes")] + [(s, t.name) for s, t in sorted(themes.items())
                                                  if allowed is None or s in allowed]
    courses = db.session.scalars(select(Course).where(Course.theme_slug.in_(allowed)) if allowed is not None
                                 else select(Course)).all()
    form.course.choices = [("", "All courses")] + [(str(c.id), c.title) for c in sorted(courses, key=lambda c: c.title)]
    course_ids = {str(c.id) for c in courses}
    valid = form.validate()
    filters = reports.ReportFilters(
        start=form.start.data if valid else None, end=form.end.data if valid else None, theme=form.theme.data or "",
        course_id=int(form.course.data) if form.course.data in course_ids else None,  # never int("abc")
        stakeholder_type=form.stakeholder_type.data or "", area=form.area.data or "",
        themes_allowed=tuple(allowed) if allowed is not None else None)
    return form, filters


@bp.route("/reports")
@permission_required("reports.view")
def overview():
    """Attendance over time as a chart and a table, and who has low attendance, with filters."""
    form, filters = _filters_form()
    months = reports.rates_by_month(filters)
    threshold = current_app.config["LOW_ATTENDANCE_THRESHOLD"]
    low = reports.low_attendance(filters, threshold)
    if request.args.get("table") == "low":
        table = (["Name", "Describes themselves as", "Area", "Sessions marked", "Attended", "Attendance rate"],
                 [[m.name, m.stakeholder_label, m.area_label, n, attended, r] for m, n, attended, r in low])
        exported = _export(lambda: table, "low-attendance")
    else:
        table = (["Month", "Marks", "Attended", "Attended or gave notice", "Attendance rate",
                  "Attended or gave notice rate"],
                 [[m, n, a, g, reports.rate(a, n), reports.rate(g, n)] for m, n, a, g in months])
        exported = _export(lambda: table, "attendance-by-month")
    if exported is not None:
        return exported
    args = {k: v for k, v in request.args.items() if v and k not in ("format", "table")}
    return render_template("attendance/overview.html", form=form, months=months, low=low, threshold=threshold,
                           percent=reports.percent, rate=reports.rate, args=args, remind=ConfirmForm())


@bp.route("/reports/low-attendance/remind", methods=["POST"])
@permission_required("reports.view")
def remind_low_attendance():
    """Email everyone on the low-attendance list a friendly reminder (one click)."""
    form, filters = _filters_form()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    low = reports.low_attendance(filters, current_app.config["LOW_ATTENDANCE_THRESHOLD"])
    sent, already = ops.send_low_attendance_reminders(current_user._get_current_object(), [m for m, *_ in low],
                                                      link=external_url("courses.my_learning"))
    message = f"A reminder has been sent to {_people(len(sent))}." if sent else "No reminders were sent."
    if already:
        message += f" {_people(already)} had already been sent a reminder today, so they were not sent another."
    flash(message, "success")
    return redirect(url_for("attendance.overview", **{k: v for k, v in request.args.items() if v}))


def _people(n):
    return f"{n:,} {'person' if n == 1 else 'people'}"
