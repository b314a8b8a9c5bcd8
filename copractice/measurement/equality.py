"""Equality monitoring (issue 16 point 7): optional, separately consented, withdrawable, never shown per person.

The member answers on their own form only after ticking its own consent box; every answer may be left out or be
"prefer not to say". Withdrawing consent deletes the answers. Reports read counts only, suppressed below the
threshold; nothing is written to the audit log (even that someone answered would be
about them); no page, export or admin view reads one person's row except the member's own form and data export.
"""
from __future__ import annotations

from sqlalchemy import delete, func, select

from copractice.errors import Refused
from copractice.extensions import db
from copractice.measurement.equality_models import QUESTIONS, EqualityMonitoring, answers_of
from copractice.measurement.suppression import Counts, suppress_counts
from copractice.members.models import Member
from copractice.timeutil import utcnow

NOT_ANSWERED = "not_answered"
NOT_ANSWERED_LABEL = "Not answered"


class EqualityRefused(Refused):
    """A rule of equality monitoring says no; ``field`` names the form field it belongs beside."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def own_answers(member: Member) -> EqualityMonitoring | None:
    """The member's own answers (for their own form and their own data export only)."""
    return db.session.scalar(select(EqualityMonitoring).where(EqualityMonitoring.member_id == member.id))


def save_answers(member: Member, *, consent: bool, answers: dict[str, str | None]) -> EqualityMonitoring:
    """Keep the member's answers, given their explicit consent; an answer left empty is kept as not answered."""
    if not consent:
        raise EqualityRefused("Tick the box to agree to us keeping your answers, or leave this page.", "consent")
    for question, answer in answers.items():
        if question not in QUESTIONS:
            raise EqualityRefused("That is not one of the questions.")
        if answer and answer not in answers_of(question):
            raise EqualityRefused("Choose one of the answers, or leave it empty.", question)
    row = own_answers(member)
    if row is None:
        row = EqualityMonitoring(member_id=member.id, consented_at=utcnow())
        db.session.add(row)
    for question in QUESTIONS:
        setattr(row, question, answers.get(question) or None)
    db.session.flush()
    return row


def withdraw(member: Member) -> bool:
    """Withdraw consent: the member's answers and the record of their consent are deleted. True if there were any."""
    gone = db.session.execute(delete(EqualityMonitoring).where(EqualityMonitoring.member_id == member.id)).rowcount
    db.session.flush()
    return bool(gone)


def report() -> list[tuple[str, dict[str, str], Counts]]:
    """For each question: (label, {answer: label}, suppressed counts), over members whose account is not erased.
    One query a question; no person's row leaves this function."""
    out = []
    for question, (label, _hint, _choices) in QUESTIONS.items():
        column = getattr(EqualityMonitoring, question)
        counted: dict[str, int] = {}
        for answer, n in db.session.execute(
                select(column, func.count()).join(Member, Member.id == EqualityMonitoring.member_id)
                .where(Member.erased_at.is_(None)).group_by(column)):
            counted[answer or NOT_ANSWERED] = counted.get(answer or NOT_ANSWERED, 0) + n
        labels = {**answers_of(question), NOT_ANSWERED: NOT_ANSWERED_LABEL}
        out.append((label, labels, suppress_counts({key: int(counted.get(key, 0)) for key in labels})))
    return out


def report_rows() -> list[list]:
    """The report as rows for CSV or XLSX: the same hidden cells as the page."""
    rows: list[list] = []
    for label, labels, counts in report():
        rows.append([label, "", ""])
        rows += [["", labels[key], cell.export()] for key, cell in counts.items()]
        rows.append(["", "Total", counts.total.export()])
    return rows


def export_member_equality(member: Member) -> dict | None:
    """The member's own answers for their data export (None when they gave none)."""
    row = own_answers(member)
    if row is None:
        return None
    return {"consented_at": row.consented_at.isoformat(timespec="seconds") + "Z",
            "answers": {QUESTIONS[q][0]: answers_of(q).get(getattr(row, q), NOT_ANSWERED_LABEL)
                        if getattr(row, q) else NOT_ANSWERED_LABEL for q in QUESTIONS}}


def erase_member_equality(member: Member) -> None:
    """Delete the member's answers with their account."""
    db.session.execute(delete(EqualityMonitoring).where(EqualityMonitoring.member_id == member.id))
