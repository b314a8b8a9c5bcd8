"""Involvement pages (issue 17): opportunities and saying you are interested, "My involvement" and your payment
choices, organising an opportunity (choosing who takes part, offering payment), and the rates admins keep."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from copractice.courses.forms import ConfirmForm
from copractice.extensions import db
from copractice.involvement import operations as ops
from copractice.involvement import rates
from copractice.involvement.forms import ChoicesForm, ExpenseRateForm, OpportunityForm, PaymentRateForm
from copractice.involvement.models import (
    CONTRIBUTOR_CHOICES,
    EXPENSE_KINDS,
    EXPENSE_UNITS,
    INVOLVEMENT_STATUSES,
    PAYMENT_CHOICES,
    RATE_UNITS,
    Involvement,
    Opportunity,
)
from copractice.markup import render_markdown
from copractice.permissions import can, permission_required, require
from copractice.web import attempt

bp = Blueprint("involvement", __name__, url_prefix="/involvement")


def _me():
    return current_user._get_current_object()


def _opportunity(opportunity_id, action=None):
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None:
        abort(404)
    if action:
        require(action, opportunity)
    return opportunity


def _mine(involvement_id):
    involvement = db.session.get(Involvement, involvement_id)
    if involvement is None or involvement.member_id != current_user.id:
        abort(404)  # someone else's involvement is not shown to exist
    return involvement


@bp.route("/")
@permission_required("involvement.view")
def opportunities():
    """Open opportunities to get involved, and the ones you have said you are interested in."""
    mine = {i.opportunity_id: i for i in ops.my_involvements(_me())}
    return render_template("involvement/opportunities.html", opportunities=ops.open_opportunities(), mine=mine,
                           kinds=ops.activity_types(), statuses=INVOLVEMENT_STATUSES,
                           may_organise=can(current_user, "involvement.organise"))


@bp.route("/<int:opportunity_id>")
@permission_required("involvement.view")
def opportunity(opportunity_id):
    """One opportunity, in plain English and Easy Read."""
    opp = _opportunity(opportunity_id)
    mine = db.session.scalar(select(Involvement).where(Involvement.opportunity_id == opp.id,
                                                       Involvement.member_id == current_user.id))
    return render_template("involvement/opportunity.html", opp=opp, mine=mine, kinds=ops.activity_types(),
                           statuses=INVOLVEMENT_STATUSES, description=render_markdown(opp.description),
                           easy_read=render_markdown(opp.easy_read) if opp.easy_read else None,
                           may_manage=can(current_user, "opportunity.manage", opp))


@bp.route("/<int:opportunity_id>/interest", methods=["POST"])
@permission_required("involvement.express_interest")
def interest(opportunity_id):
    """Say you are interested."""
    opp = _opportunity(opportunity_id)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.express_interest(_me(), opp),
                "Thank you. You have said you are interested. The organiser will be in touch.")
    return redirect(url_for("involvement.opportunity", opportunity_id=opp.id))


@bp.route("/mine")
@permission_required("involvement.mine")
def mine():
    """My involvement: what you are interested in, selected or confirmed for, and the hours credited to you."""
    return render_template("involvement/mine.html", involvements=ops.my_involvements(_me()),
                           kinds=ops.activity_types(), statuses=INVOLVEMENT_STATUSES, payments=PAYMENT_CHOICES,
                           credit=ops.credited_hours(_me()))


@bp.route("/mine/<int:involvement_id>", methods=["GET", "POST"])
@permission_required("involvement.choose")
def choices(involvement_id):
    """Your choices for one involvement: payment (change it any time), own time, benefits advice, credit."""
    inv = _mine(involvement_id)
    staff = ops.is_public_body_staff(inv.member)
    form = ChoicesForm(data={
        "payment_choice": inv.payment_choice if inv.payment_choice in CONTRIBUTOR_CHOICES else None,
        "own_time": bool(inv.own_time_confirmed), "benefits_advice": inv.benefits_advice,
        "credit_consent": inv.credit_consent})
    if form.validate_on_submit():
        def save():
            me = _me()
            if staff and bool(form.own_time.data) != bool(inv.own_time_confirmed):
                ops.confirm_own_time(me, inv, form.own_time.data)
            if form.benefits_advice.data != inv.benefits_advice:
                ops.set_benefits_advice(me, inv, form.benefits_advice.data)
            if form.credit_consent.data != inv.credit_consent:
                ops.set_credit_consent(me, inv, form.credit_consent.data)
            if form.payment_choice.data and form.payment_choice.data != inv.payment_choice:
                ops.choose_payment(me, inv, form.payment_choice.data)

        worked, _ = attempt(save, "Your choices are saved. You can change them at any time.", form=form,
                            field="payment_choice")
        if worked:
            return redirect(url_for("involvement.mine"))
    advice_text, advice_url = ops.benefits_advice()
    return render_template("involvement/choices.html", inv=inv, form=form, staff=staff, kinds=ops.activity_types(),
                           statuses=INVOLVEMENT_STATUSES, payments=PAYMENT_CHOICES, advice_text=advice_text,
                           advice_url=advice_url)


@bp.route("/mine/<int:involvement_id>/withdraw", methods=["POST"])
@permission_required("involvement.choose")
def withdraw(involvement_id):
    """Step back from an opportunity."""
    inv = _mine(involvement_id)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.withdraw(_me(), inv), "You have withdrawn. Thank you for letting us know.")
    return redirect(url_for("involvement.mine"))


# -- organising ------------------------------------------------------------------------------------------------

@bp.route("/organise")
@permission_required("involvement.organise")
def organise():
    """The opportunities you organise."""
    return render_template("involvement/organise.html", opportunities=ops.organised_by(_me()),
                           kinds=ops.activity_types())


@bp.route("/new", methods=["GET", "POST"])
@permission_required("involvement.organise")
def new():
    """Set up an opportunity linked to a session, a meeting or a project."""
    form = OpportunityForm()
    form.role.choices = list(ops.activity_types().items())
    form.link.choices = [("", "No session or meeting (a project)"), *ops.link_choices(_me())]
    if form.validate_on_submit():
        session, meeting = ops.resolve_link(form.link.data)
        worked, opp = attempt(lambda: ops.save_opportunity(
            _me(), None, title=form.title.data, role=form.role.data, description=form.description.data,
            easy_read=form.easy_read.data, expected_minutes=form.expected_minutes.data, places=form.places.data,
            session=session, meeting=meeting, project=form.project.data),
            "The opportunity is open. Members can now say they are interested.", form=form, field="title")
        if worked:
            return redirect(url_for("involvement.manage", opportunity_id=opp.id))
    return render_template("involvement/new.html", form=form)


@bp.route("/<int:opportunity_id>/manage")
@permission_required("involvement.organise")
def manage(opportunity_id):
    """Who is interested, selected and confirmed; choose, confirm, say no, offer payment."""
    opp = db.session.scalar(select(Opportunity).where(Opportunity.id == opportunity_id)
                            .options(selectinload(Opportunity.involvements).joinedload(Involvement.member)))
    if opp is None:
        abort(404)
    require("opportunity.manage", opp)
    return render_template("involvement/manage.html", opp=opp, kinds=ops.activity_types(),
                           statuses=INVOLVEMENT_STATUSES, payments=PAYMENT_CHOICES,
                           taken=sum(1 for i in opp.involvements if i.status in ("selected", "confirmed")),
                           staff={i.id: ops.is_public_body_staff(i.member) for i in opp.involvements})


@bp.route("/<int:opportunity_id>/people/<int:involvement_id>/<any(selected, confirmed, declined):status>",
          methods=["POST"])
@permission_required("involvement.organise")
def decide(opportunity_id, involvement_id, status):
    """Select, confirm or say no to someone."""
    opp = _opportunity(opportunity_id, "opportunity.manage")
    inv = db.session.get(Involvement, involvement_id)
    if inv is None or inv.opportunity_id != opp.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.decide(_me(), inv, status), f"{inv.member.name}: {INVOLVEMENT_STATUSES[status]}.")
    return redirect(url_for("involvement.manage", opportunity_id=opp.id))


@bp.route("/<int:opportunity_id>/people/<int:involvement_id>/offer", methods=["POST"])
@permission_required("involvement.organise")
def offer(opportunity_id, involvement_id):
    """Offer payment to someone selected or confirmed."""
    opp = _opportunity(opportunity_id, "opportunity.manage")
    inv = db.session.get(Involvement, involvement_id)
    if inv is None or inv.opportunity_id != opp.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.offer_payment(_me(), inv), f"Payment is offered to {inv.member.name}.")
    return redirect(url_for("involvement.manage", opportunity_id=opp.id))


# -- rates -------------------------------------------------------------------------------------------------------

@bp.route("/rates", methods=["GET", "POST"])
@permission_required("rates.manage")
def rates_page():
    """Payment rates per activity and expense rates, each from a date: a new rate applies on or after its date."""
    pay_form, exp_form = PaymentRateForm(prefix="pay"), ExpenseRateForm(prefix="exp")
    pay_form.activity.choices = list(ops.activity_types().items())
    if request.method == "POST" and request.form.get("which") == "payment" and pay_form.validate_on_submit():
        worked, _ = attempt(lambda: rates.add_payment_rate(
            _me(), activity=pay_form.activity.data, unit=pay_form.unit.data, pence=pay_form.pence,
            applies_from=pay_form.applies_from.data), "The payment rate is added.", form=pay_form, field="amount")
        if worked:
            return redirect(url_for("involvement.rates_page"))
    elif request.method == "POST" and request.form.get("which") == "expense" and exp_form.validate_on_submit():
        worked, _ = attempt(lambda: rates.add_expense_rate(
            _me(), kind=exp_form.kind.data, unit=exp_form.unit.data, pence=exp_form.pence,
            applies_from=exp_form.applies_from.data), "The expense rate is added.", form=exp_form, field="amount")
        if worked:
            return redirect(url_for("involvement.rates_page"))
    pay, exp = rates.all_rates()
    return render_template("involvement/rates.html", pay_form=pay_form, exp_form=exp_form, pay=pay, exp=exp,
                           kinds=ops.activity_types(), units=RATE_UNITS, expense_kinds=EXPENSE_KINDS,
                           expense_units=EXPENSE_UNITS, pounds=rates.pence_to_pounds)
