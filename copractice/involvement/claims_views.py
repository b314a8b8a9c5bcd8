"""Pages of claims: a contributor's own claims, expenses and statement; finance staff's approvals, batches and
reports; naming finance staff."""
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from copractice.attendance.reports import table_download
from copractice.courses.forms import ConfirmForm
from copractice.extensions import db
from copractice.involvement import claims as ops
from copractice.involvement import finance, statements
from copractice.involvement.claims_forms import AnswerForm, ExpenseForm, PaidForm, QueryForm, StaffForm
from copractice.involvement.claims_models import (
    APPROVED,
    EXPENSE_KINDS,
    QUERIED,
    SUBMITTED,
    Claim,
    ClaimExpense,
    FinanceBatch,
    FinanceStaff,
)
from copractice.library.storage import get_storage
from copractice.members.models import Member
from copractice.permissions import can, permission_required, require
from copractice.web import attempt

bp = Blueprint("claims", __name__)


def _field_of(refused):
    return getattr(refused, "field", None)


def _own_claim(claim_id):
    """The claim, for its contributor or finance staff; anyone else is told it is not there."""
    claim = db.session.get(Claim, claim_id)
    if claim is None or not (claim.member_id == current_user.id or can(current_user, "claims.finance")):
        abort(404)
    return claim


# -- the contributor's own view ----------------------------------------------------------------------------------

@bp.route("/claims/")
@permission_required("claims.own")
def my_claims():
    """My involvement: roles, hours, claims and where each is, and yearly statements."""
    lines = statements.claim_lines(current_user.id)
    return render_template("claims/my_claims.html", involvements=statements.involvements_of(current_user.id),
                           lines=lines, totals=statements.summary(lines),
                           years=statements.years_of(lines) or [statements.this_year()], pounds=ops.pounds)


@bp.route("/claims/<int:claim_id>", methods=["GET", "POST"])
@permission_required("claims.own")
def claim(claim_id):
    """One claim: its fee, expenses, receipts, questions; add an expense (its contributor), approve or ask
    (finance staff)."""
    item = _own_claim(claim_id)
    mine = item.member_id == current_user.id
    form = ExpenseForm()
    if form.validate_on_submit():
        if not mine:
            abort(403)
        ok, _ = attempt(lambda: ops.add_expense(current_user, item, form.kind.data, amount=form.amount.data,
                                                miles=form.miles.data, description=form.description.data,
                                                receipt=form.receipt.data),
                        "Expense added.", form=form, field=lambda refused: _field_of(refused) or "kind")
        if ok:
            return redirect(url_for("claims.claim", claim_id=item.id))
    return render_template("claims/claim.html", claim=item, mine=mine, form=form, answer_form=AnswerForm(),
                           query_form=QueryForm(), confirm=ConfirmForm(), pounds=ops.pounds,
                           may_handle=can(current_user, "claims.finance"), open_statuses=ops.EXPENSE_OPEN,
                           kinds=EXPENSE_KINDS, SUBMITTED=SUBMITTED, QUERIED=QUERIED)


@bp.route("/claims/<int:claim_id>/expenses/<int:expense_id>/remove", methods=["POST"])
@permission_required("claims.own")
def remove_expense(claim_id, expense_id):
    """Take an expense off my claim."""
    item = _own_claim(claim_id)
    expense = db.session.get(ClaimExpense, expense_id)
    if expense is None or expense.claim_id != item.id:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.remove_expense(current_user, expense), "Expense taken off.")
    return redirect(url_for("claims.claim", claim_id=item.id))


@bp.route("/claims/<int:claim_id>/answer", methods=["POST"])
@permission_required("claims.own")
def answer(claim_id):
    """Answer the team's question about my claim."""
    item = _own_claim(claim_id)
    form = AnswerForm()
    if form.validate_on_submit():
        attempt(lambda: ops.answer_query(current_user, item, form.answer.data), "Answer sent. Thank you.")
    else:
        flash("Write your answer.", "error")
    return redirect(url_for("claims.claim", claim_id=item.id))


@bp.route("/claims/receipts/<int:expense_id>")
@permission_required("claims.own")
def receipt(expense_id):
    """A receipt: only its claimant and finance staff (anyone else: not found)."""
    expense = db.session.get(ClaimExpense, expense_id)
    if expense is None or not expense.receipt_key or not ops.may_see_receipt(current_user, expense):
        abort(404)
    response = send_file(get_storage().open(expense.receipt_key), mimetype=expense.receipt_type,
                         download_name=expense.receipt_filename or "receipt", as_attachment=True)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/claims/statement/<int:year>.pdf")
@permission_required("claims.own")
def statement(year):
    """My statement of involvement and payments for a year, as a PDF."""
    if not 2000 <= year <= 2100:
        abort(404)
    member = db.session.get(Member, current_user.id)
    response = Response(statements.statement_pdf(member, year), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="involvement-statement-{year}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# -- finance staff -----------------------------------------------------------------------------------------------

@bp.route("/finance/claims")
@permission_required("claims.finance")
def finance_claims():
    """Claims to approve, questions waiting, approved claims to send, and the batches sent."""
    return render_template("claims/finance.html", waiting=finance.claim_lines((SUBMITTED,)),
                           queried=finance.claim_lines((QUERIED,)), approved=finance.claim_lines((APPROVED,)),
                           batches=finance.batches(), confirm=ConfirmForm(), pounds=ops.pounds)


@bp.route("/finance/claims/<int:claim_id>/approve", methods=["POST"])
@permission_required("claims.finance")
def approve(claim_id):
    """Approve a claim."""
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.approve(current_user, claim_id), "Claim approved.")
    return redirect(request.form.get("next") == "claim" and url_for("claims.claim", claim_id=claim_id)
                    or url_for("claims.finance_claims"))


@bp.route("/finance/claims/<int:claim_id>/query", methods=["POST"])
@permission_required("claims.finance")
def query(claim_id):
    """Send a claim back to its contributor with a question."""
    form = QueryForm()
    if form.validate_on_submit():
        attempt(lambda: ops.query(current_user, claim_id, form.message.data), "Question sent to the contributor.")
    else:
        flash("Write the question for the contributor.", "error")
    if db.session.get(Claim, claim_id) is None:
        abort(404)
    return redirect(url_for("claims.claim", claim_id=claim_id))


@bp.route("/finance/batches", methods=["POST"])
@permission_required("claims.finance")
def export():
    """Send every approved claim not yet sent to finance, in a new numbered batch."""
    if ConfirmForm().validate_on_submit():
        ok, batch = attempt(lambda: finance.export_batch(current_user),
                            lambda b: f"Batch {b.number} made: {b.claim_count} claims, {ops.pounds(b.total_pence)}.")
        if ok:
            return redirect(url_for("claims.batch", batch_id=batch.id))
    return redirect(url_for("claims.finance_claims"))


def _batch(batch_id):
    batch = db.session.get(FinanceBatch, batch_id)
    if batch is None or batch.number is None:
        abort(404)
    return batch


@bp.route("/finance/batches/<int:batch_id>", methods=["GET", "POST"])
@permission_required("claims.finance")
def batch(batch_id):
    """A batch: its claims, its downloads, and the day finance paid it."""
    item = _batch(batch_id)
    form = PaidForm()
    if form.validate_on_submit():
        ok, _ = attempt(lambda: finance.record_paid(current_user, item, form.paid_on.data),
                        "Paid date recorded: each contributor now sees their claim as paid.", form=form,
                        field="paid_on")
        if ok:
            return redirect(url_for("claims.batch", batch_id=item.id))
    return render_template("claims/batch.html", batch=item, rows=finance.export_rows(item),
                           headers=finance.EXPORT_HEADERS, form=form, pounds=ops.pounds)


@bp.route("/finance/batches/<int:batch_id>.csv")
@permission_required("claims.finance")
def batch_csv(batch_id):
    """A batch as CSV in the documented layout (docs/finance_export.md)."""
    item = _batch(batch_id)
    return Response(finance.export_csv(item), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{item.number}.csv"', "Cache-Control": "private, no-store"})


@bp.route("/finance/batches/<int:batch_id>.xlsx")
@permission_required("claims.finance")
def batch_xlsx(batch_id):
    """A batch as XLSX in the documented layout."""
    item = _batch(batch_id)
    return Response(finance.export_xlsx(item),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
                        "Content-Disposition": f'attachment; filename="{item.number}.xlsx"',
                        "Cache-Control": "private, no-store"})


@bp.route("/finance/reports")
@permission_required("claims.reports")
def reports():
    """Spend by theme and activity, hours by stakeholder type, claims waiting, time from session to payment."""
    return render_template("claims/reports.html", tables=finance.report_tables())


@bp.route("/finance/reports.csv")
@permission_required("claims.reports")
def reports_csv():
    """The money reports as CSV (the same suppressed cells as the page)."""
    return table_download("csv", *finance.reports_rows(), "involvement-payments", "Involvement payments")


@bp.route("/finance/reports.xlsx")
@permission_required("claims.reports")
def reports_xlsx():
    """The money reports as XLSX."""
    return table_download("xlsx", *finance.reports_rows(), "involvement-payments", "Involvement payments")


@bp.route("/finance/staff", methods=["GET", "POST"])
@permission_required("claims.finance_staff")
def staff():
    """Who besides admins may approve claims and send them to finance."""
    form = StaffForm()
    if form.validate_on_submit():
        ok, _ = attempt(lambda: ops.add_finance_staff(current_user, form.email.data),
                        "They can now approve claims and send them to finance.", form=form, field="email")
        if ok:
            return redirect(url_for("claims.staff"))
    people = db.session.execute(select(Member.id, Member.name, Member.email).join(
        FinanceStaff, FinanceStaff.member_id == Member.id).order_by(Member.name)).all()
    return render_template("claims/staff.html", form=form, people=people)


@bp.route("/finance/staff/<int:member_id>/remove", methods=["POST"])
@permission_required("claims.finance_staff")
def remove_staff(member_id):
    """Stop a member approving claims."""
    require("claims.finance_staff")
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.remove_finance_staff(current_user, member_id), "Taken off the finance staff.")
    return redirect(url_for("claims.staff"))
