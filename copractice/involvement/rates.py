"""Payment and expense rates in force on a day: the rate with the latest ``applies_from`` on or before it."""
from sqlalchemy import select

from copractice.extensions import db
from copractice.involvement.models import ExpenseRate, PaymentRate


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
