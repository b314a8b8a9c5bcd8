"""Payment and expense rates in force on a day: the rate with the latest ``applies_from`` on or before it."""
import re
from decimal import Decimal

from sqlalchemy import select

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.involvement.models import EXPENSE_KINDS, EXPENSE_UNITS, RATE_UNITS, ExpenseRate, PaymentRate


def rate_on(activity, day):
    """The payment rate for ``activity`` in force on ``day`` (a date), or None if none applies yet."""
    return db.session.scalars(
        select(PaymentRate).where(PaymentRate.activity == activity, PaymentRate.applies_from <= day)
        .order_by(PaymentRate.applies_from.desc(), PaymentRate.id.desc()).limit(1)).first()


def expense_rate_on(kind, day):
    """The expense rate for ``kind`` in force on ``day`` (a date), or None if none applies yet."""
    return db.session.scalars(
        select(ExpenseRate).where(ExpenseRate.kind == kind, ExpenseRate.applies_from <= day)
        .order_by(ExpenseRate.applies_from.desc(), ExpenseRate.id.desc()).limit(1)).first()


def pounds_to_pence(text):
    """"12.50" -> 1250, through Decimal (never a float). ValueError with a plain message for anything else."""
    cleaned = (text or "").strip().removeprefix("£").strip()
    # Commas only between groups of three digits: "12,50" (a decimal comma) must not become £1,250.
    if not re.fullmatch(r"([0-9]{1,3}(,[0-9]{3})+|[0-9]{1,6})(\.[0-9]{1,2})?", cleaned):
        raise ValueError("Enter an amount in pounds and pence, for example 12.50.")
    cleaned = cleaned.replace(",", "")
    if len(cleaned.partition(".")[0]) > 6:
        raise ValueError("Enter an amount in pounds and pence, for example 12.50.")
    return int(Decimal(cleaned) * 100)


def pence_to_pounds(pence):
    """1250 -> "£12.50"."""
    return f"£{pence // 100:,}.{pence % 100:02d}"


def add_payment_rate(actor, *, activity, unit, pence, applies_from):
    """A new payment rate from a date. Rates are never changed in place: a new one applies from its date."""
    from copractice.involvement.operations import activity_types

    if activity not in activity_types():
        raise Refused("Choose an activity.")
    if unit not in RATE_UNITS:
        raise Refused("Choose how it is paid.")
    if not isinstance(pence, int) or pence < 0:
        raise Refused("Enter an amount in pounds and pence, for example 12.50.")
    rate = PaymentRate(activity=activity, unit=unit, pence=pence, applies_from=applies_from, created_by_id=actor.id)
    db.session.add(rate)
    db.session.flush()
    audit(actor, "involvement.payment_rate_added", "payment_rate", rate.id, activity,
          after={"activity": activity, "unit": unit, "pence": pence, "applies_from": applies_from.isoformat()})
    return rate


def add_expense_rate(actor, *, kind, unit, pence, applies_from):
    if kind not in EXPENSE_KINDS:
        raise Refused("Choose an expense.")
    if unit not in EXPENSE_UNITS:
        raise Refused("Choose how it is paid.")
    if not isinstance(pence, int) or pence < 0:
        raise Refused("Enter an amount in pounds and pence, for example 0.45.")
    rate = ExpenseRate(kind=kind, unit=unit, pence=pence, applies_from=applies_from, created_by_id=actor.id)
    db.session.add(rate)
    db.session.flush()
    audit(actor, "involvement.expense_rate_added", "expense_rate", rate.id, kind,
          after={"kind": kind, "unit": unit, "pence": pence, "applies_from": applies_from.isoformat()})
    return rate


def all_rates():
    """(payment rates, expense rates), newest date first within each activity."""
    pay = db.session.scalars(select(PaymentRate).order_by(PaymentRate.activity, PaymentRate.applies_from.desc(),
                                                          PaymentRate.id.desc())).all()
    exp = db.session.scalars(select(ExpenseRate).order_by(ExpenseRate.kind, ExpenseRate.applies_from.desc(),
                                                          ExpenseRate.id.desc())).all()
    return pay, exp
