"""Issue 17 point 2: rates are data; the rate in force on a day is the one with the latest date on or before it."""
from datetime import date

from copractice.extensions import db
from copractice.involvement.models import ExpenseRate, PaymentRate
from copractice.involvement.rates import expense_rate_on, rate_on


def test_a_change_of_rate_applies_on_and_after_its_date(app, database):
    db.session.add_all([
        PaymentRate(activity="co_facilitator", unit="hour", pence=2500, applies_from=date(2026, 1, 1)),
        PaymentRate(activity="co_facilitator", unit="hour", pence=2750, applies_from=date(2026, 6, 1)),
        PaymentRate(activity="reviewer", unit="hour", pence=1000, applies_from=date(2026, 3, 1)),
    ])
    db.session.flush()
    assert rate_on("co_facilitator", date(2025, 12, 31)) is None
    assert rate_on("co_facilitator", date(2026, 5, 31)).pence == 2500
    assert rate_on("co_facilitator", date(2026, 6, 1)).pence == 2750
    assert rate_on("co_facilitator", date(2027, 1, 1)).pence == 2750
    assert rate_on("reviewer", date(2026, 2, 28)) is None
    assert rate_on("reviewer", date(2026, 3, 1)).pence == 1000


def test_expense_rates_the_same_way(app, database):
    db.session.add_all([
        ExpenseRate(kind="mileage", unit="mile", pence=45, applies_from=date(2026, 1, 1)),
        ExpenseRate(kind="mileage", unit="mile", pence=50, applies_from=date(2026, 9, 1)),
    ])
    db.session.flush()
    assert expense_rate_on("mileage", date(2025, 1, 1)) is None
    assert expense_rate_on("mileage", date(2026, 8, 31)).pence == 45
    assert expense_rate_on("mileage", date(2026, 9, 1)).pence == 50
