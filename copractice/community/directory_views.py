"""The member directory's pages: the search, and a member's own entry (issue 14 point 5)."""
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from copractice.community import directory
from copractice.community.directory_forms import SearchForm, entry_form_class
from copractice.courses.extras import answers_from
from copractice.inputs import page_arg
from copractice.permissions import permission_required
from copractice.web import attempt

bp = Blueprint("directory", __name__, url_prefix="/directory")


def _criteria(form):
    """The search's criteria from the fields that are right; a wrong one is shown beside its field and ignored."""
    form.validate()
    value = {name: ("" if form[name].errors else (form[name].data or "").strip())
             for name in ("q", "area", "stakeholder", "theme", "expertise", "lived")}
    return directory.Criteria(**value, mentoring=bool(form.mentoring.data) and not form.mentoring.errors)


@bp.route("/")
@permission_required("directory.view")
def index():
    """Find members who chose to be in the directory: search, then narrow down with the facets."""
    form = SearchForm(request.args)
    themes = directory.site_themes()
    form.theme.choices = [("", "Any theme")] + list(themes.items())
    criteria = _criteria(form)
    results = directory.search(criteria, page=page_arg())
    may_message = "messages.new" in current_app.view_functions and not directory._is_young(current_user)
    return render_template("directory/index.html", form=form, results=results, criteria=criteria,
                           args=criteria.args(), may_message=may_message,
                           own=directory.own_entry(current_user))


def _field_of(refused):
    """The entry form's field a refusal is about (None: shown as a message at the top)."""
    name = getattr(refused, "field", None)
    return {"lived": "lived_other"}.get(name, name)


@bp.route("/entry", methods=["GET", "POST"])
@permission_required("directory.edit_entry")
def edit_entry():
    """Choose whether you are in the directory, and what your entry says."""
    if directory._is_young(current_user):
        return render_template("directory/young.html")
    own = directory.own_entry(current_user)
    questions = directory.directory_questions()
    form = entry_form_class(questions, own.extras)()
    themes = directory.site_themes()
    form.themes.choices = list(themes.items())
    if request.method == "GET":
        form.listed.data, form.show_lived.data = own.listed, own.show_lived
        form.open_to_mentoring.data = own.open_to_mentoring
        form.expertise.data = ", ".join(own.expertise)
        form.themes.data = [slug for slug in own.themes if slug in themes]
        suggested = {label for label, _ in form.lived_suggested.choices}
        form.lived_suggested.data = [label for label in own.lived if label in suggested]
        form.lived_other.data = ", ".join(label for label in own.lived if label not in suggested)
    if form.validate_on_submit():
        done, _ = attempt(lambda: directory.save_entry(
            current_user, listed=form.listed.data, show_lived=form.show_lived.data, expertise=form.expertise.data,
            themes=form.themes.data, lived=form.lived_tags(), open_to_mentoring=form.open_to_mentoring.data,
            extras=answers_from(form, questions), questions=questions),
            "Your directory entry has been saved." if form.listed.data
            else "Your choices have been saved. You are not in the directory.",
            form=form, field=_field_of)
        if done:
            return redirect(url_for("directory.index"))
    return render_template("directory/entry.html", form=form, questions=questions)
