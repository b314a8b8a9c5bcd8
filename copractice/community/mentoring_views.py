"""Mentoring and co-production buddies: offer, ask, choose from suggestions, answer, end; the report."""
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import IntegerField, RadioField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from copractice.attendance.reports import csv_lines
from copractice.community import mentoring as ops
from copractice.community.mentoring_models import LOOKING, MENTORING_KINDS, MentorRequest
from copractice.courses.forms import ConfirmForm
from copractice.extensions import db
from copractice.forms import CheckboxesField
from copractice.members.models import AREAS, STAKEHOLDER_TYPES, area_label
from copractice.permissions import can, permission_required, require
from copractice.timeutil import utcnow
from copractice.web import attempt

bp = Blueprint("mentoring", __name__, url_prefix="/mentoring")

KIND = "<any(mentor, buddy):kind>"
ANY_AREA = [("", "Any area (meeting online is fine)")]


# -- forms -----------------------------------------------------------------------------------------------

def _at_least_one_theme(form, field):
    if not field.data:
        raise ValidationError("Choose at least one theme.")


class CountField(IntegerField):
    """A whole number, with a plain-English message when it is not one."""

    def __init__(self, *args, not_a_number="Enter a whole number, like 2.", **kwargs):
        super().__init__(*args, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(self.not_a_number) from None


class OfferForm(FlaskForm):
    themes = CheckboxesField("Themes you can help with", choices=[], validators=[_at_least_one_theme])
    area = SelectField("Area", choices=ANY_AREA + list(AREAS.items()), validators=[Optional()])
    experience_tags = CheckboxesField("Experience you bring (optional)", choices=list(STAKEHOLDER_TYPES.items()),
                                      description="Tick any that describe you.")
    experience = TextAreaField("Your experience (optional)",
                               description="A few sentences: for example, the co-production you have done.",
                               validators=[Optional(), Length(max=1000, message="Use 1,000 characters or fewer.")])
    capacity = CountField("How many people at once",
                          not_a_number=f"Enter how many people at once as a number, from 0 to {ops.MAX_CAPACITY}.",
                          description=f"From 0 to {ops.MAX_CAPACITY}. 0 pauses your offer: nobody new is "
                                      "suggested, and the pairs you have carry on.",
                          validators=[InputRequired(f"Enter how many people at once, from 0 to {ops.MAX_CAPACITY}."),
                                      NumberRange(0, ops.MAX_CAPACITY, f"Enter a number from 0 to {ops.MAX_CAPACITY}.")])


class RequestForm(FlaskForm):
    themes = CheckboxesField("Themes you would like help with", choices=[], validators=[_at_least_one_theme])
    area = SelectField("Area", choices=ANY_AREA + list(AREAS.items()), validators=[Optional()],
                       description="Someone in the same area is suggested first.")
    hopes = TextAreaField("What do you hope for?",
                          description="For example: help to prepare for my first research meeting.",
                          validators=[InputRequired("Say what you hope for."),
                                      Length(max=2000, message="Use 2,000 characters or fewer.")])


class SendForm(FlaskForm):
    offer_id = IntegerField("Person", validators=[InputRequired("Choose someone from the list.")])


class AnswerForm(FlaskForm):
    decision = RadioField("Your answer", choices=[("accept", "Yes, I accept"), ("decline", "No, I decline")],
                          validators=[InputRequired("Choose yes or no.")])
    message = TextAreaField("Message (optional)", description="They will see this with your answer.",
                            validators=[Optional(), Length(max=1000, message="Use 1,000 characters or fewer.")])


class EndForm(FlaskForm):
    message = TextAreaField("Why are you ending it? (optional)", description="The other person will see this.",
                            validators=[Optional(), Length(max=1000, message="Use 1,000 characters or fewer.")])


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    theme = SelectField("Theme", choices=[], validators=[Optional()])
    area = SelectField("Area", choices=[("", "Any area")] + list(AREAS.items()), validators=[Optional()])


# -- helpers ---------------------------------------------------------------------------------------------

def _theme_choices():
    return sorted(ops.theme_names().items(), key=lambda item: (item[0] != "cross-cutting", item[1]))


def _request_or_404(request_id):
    """The request, for its asker and the person it was sent to; 404 for everyone else (nothing leaks)."""
    found = db.session.scalar(select(MentorRequest).where(MentorRequest.id == request_id).options(
        selectinload(MentorRequest.member), selectinload(MentorRequest.mentor), selectinload(MentorRequest.themes)))
    if found is None or not can(current_user, "mentoring.follow", found):
        abort(404)
    return found


def _messages_link(member_id):
    """Where to write to a partner through the site, when the messages part is installed."""
    if "messages.new" in current_app.view_functions:
        return url_for("messages.new", to=member_id)
    return None


def _context(**extra):
    return {"kinds": MENTORING_KINDS, "theme_names": ops.theme_names(), "area_label": area_label,
            "stakeholder_types": STAKEHOLDER_TYPES, "kind_noun": ops.kind_noun, "messages_link": _messages_link,
            "now": utcnow(), **extra}


# -- a member's own mentoring ----------------------------------------------------------------------------

@bp.route("/")
@permission_required("mentoring.view")
def index():
    """Your mentoring: requests waiting for your answer, your pairs, your requests and your offers."""
    return render_template("mentoring/index.html", my=ops.my_mentoring(current_user), form=ConfirmForm(),
                           **_context())


@bp.route(f"/offer/{KIND}", methods=["GET", "POST"])
@permission_required("mentoring.offer")
def offer(kind):
    """Offer to be a mentor or co-production buddy, or change your offer."""
    existing = ops.offer_of(current_user, kind)
    form = OfferForm(obj=existing if existing is not None and request.method == "GET" else None)
    form.themes.choices = _theme_choices()
    if request.method == "GET":
        if existing is not None:
            form.themes.data, form.experience_tags.data = existing.theme_slugs, list(existing.experience_tags or [])
            form.area.data = existing.area or ""
        else:
            form.area.data, form.experience_tags.data, form.capacity.data = current_user.area or "", [
                current_user.stakeholder_type], 1
    if form.validate_on_submit():
        worked, _ = attempt(lambda: ops.save_offer(
            current_user, kind, themes=form.themes.data, area=form.area.data or None,
            experience=form.experience.data or "", experience_tags=form.experience_tags.data,
            capacity=form.capacity.data), form=form, field="themes")
        if worked:
            flash(f"Thank you. Your offer to be a {ops.kind_noun(kind)} is saved." if form.capacity.data
                  else f"Your offer to be a {ops.kind_noun(kind)} is saved and paused.", "success")
            return redirect(url_for("mentoring.index"))
    return render_template("mentoring/offer_form.html", form=form, kind=kind, existing=existing, **_context())


@bp.route(f"/offer/{KIND}/withdraw", methods=["POST"])
@permission_required("mentoring.offer")
def withdraw_offer(kind):
    """Stop offering to be a mentor or buddy; pairs you have carry on."""
    if ConfirmForm().validate_on_submit() and ops.withdraw_offer(current_user, kind):
        flash(f"You are no longer offering to be a {ops.kind_noun(kind)}. Your current pairs carry on.", "success")
    return redirect(url_for("mentoring.index"))


@bp.route(f"/ask/{KIND}", methods=["GET", "POST"])
@permission_required("mentoring.ask")
def ask(kind):
    """Ask for a mentor or co-production buddy."""
    looking = ops.looking_request(current_user, kind)
    if looking is not None:
        flash(f"You already have a request for a {ops.kind_noun(kind)}. Here it is.", "info")
        return redirect(url_for("mentoring.request", request_id=looking.id))
    form = RequestForm()
    form.themes.choices = _theme_choices()
    if request.method == "GET":
        form.area.data = current_user.area or ""
    if form.validate_on_submit():
        worked, made = attempt(lambda: ops.ask(current_user, kind, themes=form.themes.data,
                                               area=form.area.data or None, hopes=form.hopes.data),
                               form=form, field="themes")
        if worked:
            flash("Your request is saved. Choose who to ask from the suggestions below.", "success")
            return redirect(url_for("mentoring.request", request_id=made.id))
    return render_template("mentoring/ask_form.html", form=form, kind=kind, **_context())


# -- one request -----------------------------------------------------------------------------------------

def _heading(found, mine):
    noun = ops.kind_noun(found.kind)
    if mine:
        if found.status in ("active", "ended"):
            return f"You and {found.mentor.name if found.mentor else 'your ' + noun}"
        return f"Your request for a {noun}"
    name = found.member.name
    return f"{name} asks you to be their {noun}" if found.status == "asked" else f"You and {name}"


def _request_page(found, answer_form=None, end_form=None, status=200):
    mine = found.member_id == current_user.id
    suggested = ops.suggestions(found) if mine and found.status == "open" else []
    return render_template(
        "mentoring/request.html", req=found, mine=mine, heading=_heading(found, mine), suggested=suggested, rules=ops.SUGGESTION_RULES,
        answer_form=answer_form or (AnswerForm() if can(current_user, "mentoring.answer", found) else None),
        end_form=end_form or (EndForm() if can(current_user, "mentoring.end", found) else None),
        form=answer_form or end_form, confirm=ConfirmForm(), looking=LOOKING, young=ops._is_young(found.member),
        **_context()), status


@bp.route("/requests/<int:request_id>", endpoint="request")
@permission_required("mentoring.open_request")
def request_page(request_id):
    """A request: for the asker, who the site suggests and what happened; for the person asked, the answer."""
    return _request_page(_request_or_404(request_id))


@bp.route("/requests/<int:request_id>/send", methods=["POST"])
@permission_required("mentoring.ask")
def send(request_id):
    """Send your request to someone the site suggests."""
    found = _request_or_404(request_id)
    require("mentoring.send", found)
    form = SendForm()
    if not form.validate_on_submit():
        flash("Choose someone from the list.", "error")
    else:
        attempt(lambda: ops.send(current_user, found, form.offer_id.data),
                done=lambda sent: f"Your request has been sent to {sent.mentor.name}. We will tell you their answer.")
    return redirect(url_for("mentoring.request", request_id=found.id))


@bp.route("/requests/<int:request_id>/withdraw", methods=["POST"])
@permission_required("mentoring.ask")
def withdraw_request(request_id):
    """Stop looking: withdraw your request (the person asked, if any, is told)."""
    found = _request_or_404(request_id)
    require("mentoring.send", found)
    if ConfirmForm().validate_on_submit() and ops.withdraw_request(current_user, found):
        flash("Your request is withdrawn.", "success")
    return redirect(url_for("mentoring.index"))


@bp.route("/requests/<int:request_id>/answer", methods=["POST"])
@permission_required("mentoring.open_request")
def answer(request_id):
    """Accept or decline a request sent to you, with an optional message."""
    found = _request_or_404(request_id)
    require("mentoring.answer", found)
    form = AnswerForm()
    if not form.validate_on_submit():
        return _request_page(found, answer_form=form)
    if form.decision.data == "accept":
        worked, _ = attempt(lambda: ops.accept(current_user, found, form.message.data), form=form, field="decision")
        done = f"You are now {found.member.name}'s {ops.kind_noun(found.kind)}. We have told them."
    else:
        worked, _ = attempt(lambda: ops.decline(current_user, found, form.message.data), form=form, field="decision")
        done = f"You said no to {found.member.name}. We have told them, so they can ask someone else."
    if not worked:
        if can(current_user, "mentoring.follow", found):
            return _request_page(found, answer_form=form)
        return redirect(url_for("mentoring.index"))
    flash(done, "success")
    if found.status == "active":
        return redirect(url_for("mentoring.request", request_id=found.id))
    return redirect(url_for("mentoring.index"))


@bp.route("/requests/<int:request_id>/end", methods=["POST"])
@permission_required("mentoring.open_request")
def end(request_id):
    """End a pair you are in (either side may); the other person is told."""
    found = _request_or_404(request_id)
    require("mentoring.end", found)
    form = EndForm()
    if not form.validate_on_submit():
        return _request_page(found, end_form=form)
    worked, _ = attempt(lambda: ops.end_pair(current_user, found, form.message.data), form=form, field="message")
    if not worked:
        return _request_page(found, end_form=form)
    flash("The pair has ended. We have told the other person.", "success")
    return redirect(url_for("mentoring.index"))


# -- the report --------------------------------------------------------------------------------------------

@bp.route("/report")
@permission_required("mentoring.report")
def report():
    """Active pairs and waiting requests (and how long they have waited), by theme and area; CSV."""
    form = ReportFilterForm(request.args)
    allowed = None if current_user.role == "admin" else tuple(sorted(current_user.led_themes))
    form.theme.choices = [("", "All themes" if allowed is None else "All your themes")] + [
        (slug, name) for slug, name in _theme_choices() if allowed is None or slug in allowed]
    valid = form.validate()  # an unknown theme or area is an error beside the field, and filters nothing
    filters = ops.ReportFilters(theme=form.theme.data if valid and form.theme.data else "",
                                area=form.area.data if valid and form.area.data else "", themes_allowed=allowed)
    result = ops.report(filters)
    now = utcnow()
    if request.args.get("format") == "csv":
        headers, rows = ops.report_rows(result, now)
        return Response(csv_lines(headers, rows), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="mentoring-report.csv"'})
    args = {k: v for k, v in request.args.items() if v and k != "format"}
    return render_template("mentoring/report.html", form=form, result=result,
                           args=args, waited_days=ops.waited_days, **_context(now=now))
