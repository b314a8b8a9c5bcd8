"""The contributor's own view of their involvement and claims, and their yearly statement as a PDF (issue 17
point 5), drawn the way certificates are (copractice/attendance/certificates.py: fpdf2, DejaVu fonts)."""
import os
from dataclasses import dataclass
from datetime import date

from flask import current_app
from fpdf import FPDF
from sqlalchemy import func, select

from copractice.extensions import db
from copractice.involvement.claims import pounds
from copractice.involvement.claims_models import CLAIM_STATUSES, PAID, Claim, ClaimExpense
from copractice.involvement.models import INVOLVEMENT_STATUSES, PAYMENT_CHOICES, ROLES, Involvement, Opportunity
from copractice.members.models import Member
from copractice.timeutil import uk_date, utc_to_london, utcnow

FONT_DIR = "/usr/share/fonts/truetype/dejavu"


@dataclass
class InvolvementLine:
    title: str
    role: str
    status: str
    payment: str


@dataclass
class StatementLine:
    id: int
    day: date
    title: str
    minutes: int
    fee_pence: int
    expenses_pence: int
    status: str
    paid_on: date | None

    @property
    def total_pence(self):
        return self.fee_pence + self.expenses_pence

    @property
    def status_label(self):
        return CLAIM_STATUSES.get(self.status, self.status)

    @property
    def hours(self):
        return f"{self.minutes / 60:.1f}"


def involvements_of(member_id: int) -> list[InvolvementLine]:
    """The member's involvements, newest first: one query."""
    rows = db.session.execute(select(Opportunity.title, Opportunity.role, Involvement.status, Involvement.payment_choice)
                              .join(Opportunity, Opportunity.id == Involvement.opportunity_id)
                              .where(Involvement.member_id == member_id).order_by(Involvement.id.desc())).all()
    return [InvolvementLine(title=r[0], role=ROLES.get(r[1], r[1]), status=INVOLVEMENT_STATUSES.get(r[2], r[2]),
                            payment=PAYMENT_CHOICES.get(r[3], r[3])) for r in rows]


def claim_lines(member_id: int, year: int | None = None) -> list[StatementLine]:
    """The member's claims (of one calendar year when given), newest first: one query."""
    expenses = (select(ClaimExpense.claim_id, func.sum(ClaimExpense.amount_pence).label("pence"))
                .group_by(ClaimExpense.claim_id).subquery())
    stmt = (select(Claim.id, Claim.activity_date, Claim.title, Claim.minutes, Claim.fee_pence,
                   func.coalesce(expenses.c.pence, 0), Claim.status, Claim.paid_on)
            .outerjoin(expenses, expenses.c.claim_id == Claim.id).where(Claim.member_id == member_id)
            .order_by(Claim.activity_date.desc(), Claim.id.desc()))
    if year is not None:
        stmt = stmt.where(Claim.activity_date >= date(year, 1, 1), Claim.activity_date <= date(year, 12, 31))
    return [StatementLine(id=r[0], day=r[1], title=r[2], minutes=r[3], fee_pence=r[4], expenses_pence=int(r[5]),
                          status=r[6], paid_on=r[7]) for r in db.session.execute(stmt)]


def years_of(lines: list[StatementLine]) -> list[int]:
    return sorted({line.day.year for line in lines}, reverse=True)


def summary(lines: list[StatementLine]) -> dict:
    """Hours, and money claimed and paid, over ``lines``."""
    return {"hours": f"{sum(line.minutes for line in lines) / 60:.1f}",
            "claimed": pounds(sum(line.total_pence for line in lines)),
            "paid": pounds(sum(line.total_pence for line in lines if line.status == PAID))}


def statement_pdf(member: Member, year: int) -> bytes:
    """The member's statement of involvement and payments for a calendar year, as PDF bytes."""
    lines = sorted(claim_lines(member.id, year), key=lambda line: (line.day, line.id))
    totals = summary(lines)
    pdf = FPDF(format="A4")
    pdf.set_title(f"Statement of involvement and payments {year}")
    pdf.set_author(current_app.config["SERVICE_NAME"])
    pdf.set_lang("en-GB")
    regular, bold = os.path.join(FONT_DIR, "DejaVuSans.ttf"), os.path.join(FONT_DIR, "DejaVuSans-Bold.ttf")
    if os.path.exists(regular):
        pdf.add_font("Body", "", regular)
        pdf.add_font("Body", "B", bold if os.path.exists(bold) else regular)
        family = "Body"
    else:  # pragma: no cover - fonts-dejavu-core is installed by make/CI
        family = "Helvetica"
    pdf.add_page()
    pdf.set_font(family, "B", 18)
    pdf.multi_cell(0, 10, f"Your involvement and payments in {year}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 12)
    pdf.multi_cell(0, 7, f"{member.name}\n{current_app.config['SERVICE_NAME']}\n"
                         f"Made on {uk_date(utcnow())}. Keep it for your own records.", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, "B", 12)
    pdf.multi_cell(0, 7, f"Hours: {totals['hours']}    Claimed: {totals['claimed']}    Paid: {totals['paid']}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if not lines:
        pdf.set_font(family, "", 12)
        pdf.multi_cell(0, 7, "You had no claims for payment this year.", new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.set_font(family, "", 9)
        with pdf.table(col_widths=(22, 64, 14, 24, 24, 24, 28), text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT",
                                                                          "RIGHT", "LEFT")) as table:
            table.row(["Date", "What for", "Hours", "Fee", "Expenses", "Total", "Where it is"])
            for line in lines:
                where = (f"Paid {uk_date(line.paid_on)}" if line.status == PAID and line.paid_on
                         else line.status_label)
                table.row([uk_date(line.day), line.title, line.hours, pounds(line.fee_pence),
                           pounds(line.expenses_pence), pounds(line.total_pence), where])
    pdf.ln(4)
    pdf.set_font(family, "", 10)
    pdf.multi_cell(0, 6, "Payments for involvement can affect some benefits. If you are not sure, ask the programme "
                         "team about free benefits advice.", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def this_year() -> int:
    return utc_to_london(utcnow()).year
