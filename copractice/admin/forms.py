"""Forms for the admin area."""
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from copractice.forms import CheckboxesField, SingleLine
from copractice.members.models import AREAS, ROLES, STAKEHOLDER_TYPES


class MemberFilterForm(FlaskForm):
    """Search and filters for the member list (read from the query string, no CSRF needed)."""

    class Meta:
        csrf = False

    q = StringField("Search by name or email", validators=[Optional(), Length(max=100)])
    role = SelectField("Role", choices=[("", "Any role")] + list(ROLES.items()), validators=[Optional()])
    stakeholder_type = SelectField("Describes themselves as", validators=[Optional()],
                                   choices=[("", "Anyone")] + list(STAKEHOLDER_TYPES.items()))
    area = SelectField("Area", choices=[("", "Any area")] + list(AREAS.items()), validators=[Optional()])


class RoleForm(FlaskForm):
    role = RadioField("Role", choices=list(ROLES.items()), validators=[DataRequired("Choose a role.")])
    themes = CheckboxesField("Themes they lead (for theme leads)", choices=[])
    reason = StringField("Reason (optional, kept in the audit log)", validators=[SingleLine(), Optional(), Length(max=500)])


class ActiveForm(FlaskForm):
    active = HiddenField(validators=[DataRequired()])
    reason = StringField("Reason (optional, kept in the audit log)", validators=[SingleLine(), Optional(), Length(max=500)])


class PluginSwitchForm(FlaskForm):
    enabled = HiddenField(validators=[DataRequired()])


class ThemeLeadsForm(FlaskForm):
    """Whether the leads of a plugin's themes may switch it and change its settings: "yes" or "no"."""

    allowed = HiddenField(validators=[DataRequired()])
