"""Forms of claims: expenses with receipts, questions and answers, the paid date, naming finance staff."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from copractice.involvement.claims_models import EXPENSE_KINDS


class ExpenseForm(FlaskForm):
    """One expense: what for, the miles (mileage) or the amount in pounds, and the receipt."""

    kind = SelectField("What was it for?", choices=[("", "Choose one")] + list(EXPENSE_KINDS.items()),
                       validators=[InputRequired("Choose what the expense was for.")])
    miles = StringField("Miles there and back (for mileage)", validators=[Optional(), Length(max=20)])
    amount = StringField("Amount in pounds (for other costs)", validators=[Optional(), Length(max=20)])
    description = StringField("What it was, in a few words", validators=[Optional(), Length(max=300)])
    receipt = FileField("Receipt: a PDF, or a photo (PNG or JPEG)")


class QueryForm(FlaskForm):
    message = TextAreaField("Your question for the contributor",
                            validators=[InputRequired("Write the question for the contributor."),
                                        Length(max=2000, message="Keep the question under 2,000 characters.")])


class AnswerForm(FlaskForm):
    answer = TextAreaField("Your answer", validators=[InputRequired("Write your answer."),
                                                     Length(max=2000, message="Keep it under 2,000 characters.")])


class PaidForm(FlaskForm):
    paid_on = DateField("The day finance paid this batch",
                        validators=[InputRequired("Enter the day the batch was paid, like 2026-12-04.")])


class StaffForm(FlaskForm):
    email = StringField("Email address of the member", validators=[InputRequired("Enter their email address."),
                                                                  Length(max=254)])
