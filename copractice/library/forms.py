"""Forms for finding, curating and suggesting resources."""
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, ValidationError

from copractice.forms import CheckboxesField, SingleLine
from copractice.library.models import STATUSES, VARIANT_KINDS, VISIBILITIES
from copractice.members.models import STAKEHOLDER_TYPES


class ResourceForm(FlaskForm):
    title = StringField("Title", validators=[SingleLine(), DataRequired("Enter a title."), Length(max=250)])
    summary = TextAreaField("Plain-English summary", description="Two or three sentences anyone can understand.",
                            validators=[DataRequired("Enter a summary."), Length(max=3000)])
    type = SelectField("Type", choices=[], validators=[DataRequired("Choose a type.")])
    themes = CheckboxesField("Themes", choices=[])
    audience = CheckboxesField("Who is it for?", choices=list(STAKEHOLDER_TYPES.items()),
                               description="Leave all unticked if it is for everyone.")
    authors = StringField("Authors (optional)", validators=[SingleLine(), Optional(), Length(max=500)])
    year = IntegerField("Year published (optional)", validators=[Optional(), NumberRange(1900, 2100, "Enter a year like 2025.")])
    tags = StringField("Tags (optional)", description="Separate tags with commas, for example: payment, carers",
                       validators=[SingleLine(), Optional(), Length(max=500)])
    licence = StringField("Licence (optional)", description="For example: CC BY 4.0", validators=[SingleLine(), Optional(), Length(max=120)])
    review_due = DateField("Review by (optional)", validators=[Optional()])
    visibility = SelectField("Who can see it", choices=list(VISIBILITIES.items()), validators=[DataRequired()])
    status = SelectField("Status", choices=list(STATUSES.items()), validators=[DataRequired()])
    file = FileField("File (optional)", description="PDF, Word, PowerPoint, Excel, OpenDocument text, PNG or JPEG. "
                                                    "Up to 25 MB. Uploading a new file keeps the earlier versions.")
    external_url = URLField("Or a web address (optional)", description="For videos and web pages.",
                            validators=[Optional(), URL(message="Enter a full web address starting with https://"),
                                        Length(max=1000)])
    variant_of = StringField("Accessible version of (optional)",
                             description="The web address name (slug) of the resource this is a version of, "
                                         "for example a-guide-to-co-production",
                             validators=[Optional(), Length(max=140)])
    variant_kind = SelectField("Kind of version", choices=[("", "Not a version")] + list(VARIANT_KINDS.items()),
                               validators=[Optional()])
    language = StringField("Language (for translations)", validators=[SingleLine(), Optional(), Length(max=60)])
    question = TextAreaField("Review question", validators=[Optional(), Length(max=2000)])
    population = TextAreaField("Population and setting", validators=[Optional(), Length(max=2000)])
    study_count = IntegerField("Number of studies", validators=[Optional(), NumberRange(0, 100000)])
    key_findings = TextAreaField("Key findings", validators=[Optional(), Length(max=5000)])
    plain_summary = TextAreaField("Plain-language summary", validators=[Optional(), Length(max=5000)])

    def validate_variant_kind(self, field):
        if bool(field.data) != bool(self.variant_of.data):
            raise ValidationError("Give both the resource this is a version of and the kind of version, or neither.")


class SuggestionForm(FlaskForm):
    title = StringField("Title of the resource", validators=[SingleLine(), DataRequired("Enter a title."), Length(max=250)])
    url = URLField("Web address (optional)", validators=[Optional(), URL(message="Enter a full web address starting with https://"),
                                                         Length(max=1000)])
    summary = TextAreaField("Why is it useful? (optional)", validators=[Optional(), Length(max=2000)])
    theme_slug = SelectField("Theme (optional)", choices=[], validators=[Optional()])


class RecommendForm(FlaskForm):
    slug = StringField("Resource to recommend", description="Its web address name, for example a-guide-to-co-production",
                       validators=[DataRequired("Enter the resource's web address name."), Length(max=140)])
