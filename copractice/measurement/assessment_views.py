"""Pages of a team's co-production self-assessment and of a group's co-agreed standards (issue 16 points 4-5)."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from copractice.attendance.reports import table_download
from copractice.courses.forms import ConfirmForm
from copractice.extensions import db
from copractice.measurement import assessment as sa
from copractice.measurement import standards as st
from copractice.measurement.assessment_forms import (
    MeasureForm,
    MeasurementForm,
    PersonForm,
    RoundForm,
    StandardForm,
    rating_form,
)
from copractice.meetings.models import Group, GroupMember
from copractice.members.models import STAKEHOLDER_TYPES, Member
from copractice.permissions import can, permission_required, require
from copractice.web import attempt

bp = Blueprint("assessment", __name__, url_prefix="/assessment")



def _group(slug, action):
    group = db.session.scalar(select(Group).where(Group.slug == slug))
    if group is None:
        abort(404)
    require(action, group)
    return group


def _round(group, round_id):
    found = sa.round_of(group, round_id)
    if found is None:
        abort(404)
    return found


# -- the self-assessment ---------------------------------------------------------------------------------------------

@bp.route("/")
@permission_required("assessment.index")
def index():
    """The teams the member can rate or whose self-assessment and standards they can read."""
    return render_template("assessment/index.html", teams=sa.teams_of(current_user))


@bp.route("/<slug>")
@permission_required("assessment.index")
def team(slug):
    """A team's self-assessment: its rounds and the trend across them, as a chart and a table."""
    group = _group(slug, "assessment.view")
    rows = sa.trend(group)
    return render_template("assessment/team.html", group=group, trend=rows, columns=sa.COLUMNS, views=sa.VIEWS,
                           may_run=can(current_user, "assessment.run", group),
                           may_rate=can(current_user, "assessment.take_part", group), form=ConfirmForm())


@bp.route("/<slug>/rounds/new", methods=["GET", "POST"])
@permission_required("assessment.index")
def new_round(slug):
    """Start a round of the team's self-assessment."""
    group = _group(slug, "assessment.run")
    form = RoundForm()
    if form.validate_on_submit():
        ok, _ = attempt(lambda: sa.open_round(current_user, group, form.title.data),
                        "Round started. The team's members can now rate the team.", form=form, field="title")
        if ok:
            return redirect(url_for("assessment.team", slug=group.slug))
    return render_template("assessment/round_form.html", group=group, form=form)


@bp.route("/<slug>/rounds/<int:round_id>/rate", methods=["GET", "POST"])
@permission_required("assessment.index")
def rate(slug, round_id):
    """Rate the team against each principle and standard, on one's own."""
    group = _group(slug, "assessment.take_part")
    round_ = _round(group, round_id)
    existing = sa.my_ratings(current_user, round_)
    form = rating_form(existing, request.form if request.method == "POST" else None)
    if round_.is_open and form.validate_on_submit():
        ok, _ = attempt(lambda: sa.submit_ratings(current_user, round_, form.answers()),
                        "Thank you. Your ratings are saved. You can change them until the round closes.",
                        form=form, field=f"rate_{sa.ITEMS[0].key}")
        if ok:
            return redirect(url_for("assessment.results", slug=group.slug, round_id=round_.id))
    return render_template("assessment/rate.html", group=group, round=round_, form=form, items=sa.ITEMS,
                           frameworks=sa.FRAMEWORKS, rated=bool(existing))


@bp.route("/<slug>/rounds/<int:round_id>/close", methods=["POST"])
@permission_required("assessment.index")
def close(slug, round_id):
    """Close a round: ratings can no longer be given or changed."""
    group = _group(slug, "assessment.run")
    round_ = _round(group, round_id)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: sa.close_round(current_user, round_), "Round closed.")
    return redirect(url_for("assessment.team", slug=group.slug))


@bp.route("/<slug>/rounds/<int:round_id>")
@permission_required("assessment.index")
def results(slug, round_id):
    """A round's results: each principle and standard, public members', researchers' and practitioners' views."""
    group = _group(slug, "assessment.view")
    round_ = _round(group, round_id)
    may_run = can(current_user, "assessment.run", group)
    found = sa.round_results(round_, with_comments=may_run)
    return render_template("assessment/results.html", group=group, round=round_, results=found, items=sa.ITEMS,
                           frameworks=sa.FRAMEWORKS, columns=sa.COLUMNS, views=sa.VIEWS, may_run=may_run,
                           may_rate=round_.is_open and can(current_user, "assessment.take_part", group))


@bp.route("/<slug>/results.csv")
@permission_required("assessment.index")
def results_csv(slug):
    """Every round's results as a CSV file (hidden means stay hidden)."""
    group = _group(slug, "assessment.view")
    return table_download("csv", *sa.export_rows(group), f"{group.slug}-self-assessment", "Self-assessment")


@bp.route("/<slug>/results.xlsx")
@permission_required("assessment.index")
def results_xlsx(slug):
    """Every round's results as an Excel workbook."""
    group = _group(slug, "assessment.view")
    return table_download("xlsx", *sa.export_rows(group), f"{group.slug}-self-assessment", "Self-assessment")


# -- co-agreed standards ---------------------------------------------------------------------------------------------

@bp.route("/<slug>/standards")
@permission_required("assessment.index")
def standards(slug):
    """The group's agreed standards, their measures, who designed and monitors them, and the report."""
    group = _group(slug, "standards.view")
    found = st.standards_of(group)
    return render_template("assessment/standards.html", group=group, standards=found,
                           report=st.report(group, found), may_edit=can(current_user, "standards.edit", group),
                           latest=st.latest, met=st.met, types=STAKEHOLDER_TYPES)


@bp.route("/<slug>/standards/new", methods=["GET", "POST"])
@permission_required("assessment.index")
def new_standard(slug):
    """Record a standard the group agreed."""
    group = _group(slug, "standards.edit")
    form = StandardForm()
    if form.validate_on_submit():
        ok, _ = attempt(lambda: st.add_standard(current_user, group, title=form.title.data,
                                                description=form.description.data, agreed_on=form.agreed_on.data),
                        "Standard added.", form=form, field="title")
        if ok:
            return redirect(url_for("assessment.standards", slug=group.slug))
    return render_template("assessment/standard_form.html", group=group, form=form)


@bp.route("/<slug>/standards/<int:standard_id>/measures/new", methods=["GET", "POST"])
@permission_required("assessment.index")
def new_measure(slug, standard_id):
    """Add a measure to a standard, with its target."""
    group = _group(slug, "standards.edit")
    standard = st.standard_of(group, standard_id)
    if standard is None:
        abort(404)
    form = MeasureForm()
    if form.validate_on_submit():
        ok, measure = attempt(lambda: st.add_measure(
            current_user, standard, title=form.title.data, target=form.target.data, unit=form.unit.data,
            higher_is_better=form.direction.data != "lower"), "Measure added.", form=form, field="title")
        if ok:
            return redirect(url_for("assessment.measure", slug=group.slug, measure_id=measure.id))
    return render_template("assessment/measure_form.html", group=group, standard=standard, form=form)


def _measure(group, measure_id):
    found = st.measure_of(group, measure_id)
    if found is None:
        abort(404)
    return found


def _person_form(group):
    form = PersonForm(prefix="person")
    members = db.session.execute(
        select(Member.id, Member.name).join(GroupMember, GroupMember.member_id == Member.id)
        .where(GroupMember.group_id == group.id, GroupMember.status == "active").order_by(Member.name)).all()
    form.member_id.choices = [("", "Nobody chosen")] + [(str(i), n) for i, n in members]
    return form


def _show_measure(group, measure, person_form=None, measurement_form=None):
    bars, target_at = st.progress_bars(measure)
    return render_template("assessment/measure.html", group=group, measure=measure, bars=bars, target_at=target_at,
                           person_form=person_form or _person_form(group),
                           measurement_form=measurement_form or MeasurementForm(prefix="reading"),
                           may_edit=can(current_user, "standards.edit", group),
                           may_record=can(current_user, "measure.record", measure), met=st.met,
                           types=STAKEHOLDER_TYPES, confirm=ConfirmForm())


@bp.route("/<slug>/measures/<int:measure_id>", methods=["GET", "POST"])
@permission_required("assessment.index")
def measure(slug, measure_id):
    """A measure's progress against its target (a chart and the same numbers in a table); enter a measurement."""
    group = _group(slug, "standards.view")
    found = _measure(group, measure_id)
    form = MeasurementForm(prefix="reading")
    if request.method == "POST":
        require("measure.record", found)
        if form.validate_on_submit():
            ok, _ = attempt(lambda: st.record_measurement(current_user, found, measured_on=form.measured_on.data,
                                                          value=form.value.data, note=form.note.data),
                            "Measurement saved.", form=form, field="value")
            if ok:
                return redirect(url_for("assessment.measure", slug=group.slug, measure_id=found.id))
    return _show_measure(group, found, measurement_form=form)


@bp.route("/<slug>/measures/<int:measure_id>/people", methods=["POST"])
@permission_required("assessment.index")
def add_person(slug, measure_id):
    """Name someone who designed or monitors a measure."""
    group = _group(slug, "standards.edit")
    found = _measure(group, measure_id)
    form = _person_form(group)
    if form.validate_on_submit():
        ok, _ = attempt(lambda: st.add_person(current_user, found, part=form.part.data, member_id=form.member_id.data,
                                              name=form.name.data, stakeholder_type=form.stakeholder_type.data or None),
                        "Person added to the measure.", form=form,
                        field=lambda refused: "stakeholder_type" if "describes" in str(refused) else "member_id")
        if ok:
            return redirect(url_for("assessment.measure", slug=group.slug, measure_id=found.id))
    return _show_measure(group, found, person_form=form)


@bp.route("/<slug>/measures/<int:measure_id>/people/<int:person_id>/remove", methods=["POST"])
@permission_required("assessment.index")
def remove_person(slug, measure_id, person_id):
    """Take someone off a measure's designers or monitors."""
    group = _group(slug, "standards.edit")
    found = _measure(group, measure_id)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: st.remove_person(current_user, found, person_id), "Person taken off the measure.")
    return redirect(url_for("assessment.measure", slug=group.slug, measure_id=found.id))


@bp.route("/<slug>/standards.csv")
@permission_required("assessment.index")
def standards_csv(slug):
    """The standards report as a CSV file."""
    group = _group(slug, "standards.view")
    return table_download("csv", *st.export_rows(group), f"{group.slug}-standards", "Standards")


@bp.route("/<slug>/standards.xlsx")
@permission_required("assessment.index")
def standards_xlsx(slug):
    """The standards report as an Excel workbook."""
    group = _group(slug, "standards.view")
    return table_download("xlsx", *st.export_rows(group), f"{group.slug}-standards", "Standards")
