"""The library: find, read, download and save resources; curate them; suggest new ones."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from copractice.courses.forms import ConfirmForm
from copractice.courses.models import Course
from copractice.extensions import db
from copractice.http_cache import not_modified
from copractice.inputs import page_arg, year_arg
from copractice.library import forms
from copractice.library import operations as ops
from copractice.library.models import FORMATS, VARIANT_KINDS, Resource, ResourceFile, ResourceSuggestion
from copractice.library.storage import StorageFailed, get_storage
from copractice.library.uploads import check_upload
from copractice.members.models import STAKEHOLDER_TYPES
from copractice.permissions import can, permission_required, require, visible_resources
from copractice.plugins import get_plugins
from copractice.web import attempt

bp = Blueprint("library", __name__)


def _visible_or_404(slug):
    resource = db.session.scalar(select(Resource).where(Resource.slug == slug))
    if resource is None or not can(current_user, "resource.view", resource):
        abort(404)  # not there, or not for this person: the same answer, so nothing leaks
    return resource


@bp.route("/resources")
@permission_required("site.view")
def index():
    """Find resources: search, then narrow down with the facets; the address can be shared."""
    filters = ops.LibraryFilters(**{name: (request.args.get(name) or "").strip()[:100]
                                    for name in ("q",) + ops.FACETS})
    year = year_arg()
    filters.year = str(year) if year else ""  # not a year: ignored rather than shown as a filter that does nothing
    if (unchanged := not_modified(ops.library_version, filters)) is not None:
        return unchanged
    results = ops.find(current_user, filters, page=page_arg())
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    themes = get_plugins().themes()
    labels = {"type": {k: t.label for k, t in ops.resource_types().items()}, "format": FORMATS,
              "audience": STAKEHOLDER_TYPES, "theme": {slug: t.name for slug, t in themes.items()}, "year": {}}
    popular = ops.most_used(current_user, filters.theme) if filters.theme else []
    return render_template("library/index.html", results=results, filters=filters, args=args, labels=labels,
                           popular=popular)


@bp.route("/resources/<slug>")
@permission_required("site.view")
def resource(slug):
    """A resource: what it is, who it is for, its accessible versions and earlier versions."""
    item = _visible_or_404(slug)
    variants = [v for v in item.variants if can(current_user, "resource.view", v)]
    original = item.variant_of if item.variant_of and can(current_user, "resource.view", item.variant_of) else None
    if (unchanged := not_modified(ops.resource_version, item, variants, original,
                                  shared=item.visibility == "public" and item.status == "published")) is not None:
        return unchanged
    themes = get_plugins().themes()
    may_manage = can(current_user, "resource.manage", item)
    return render_template("library/resource.html", item=item, variants=variants, original=original,
                           themes=themes, types=ops.resource_types(), kinds=VARIANT_KINDS,
                           audience_labels=STAKEHOLDER_TYPES, saved=ops.is_saved(current_user, item),
                           form=ConfirmForm() if current_user.is_authenticated else None,  # visitors: no token
                           may_manage=may_manage,
                           downloads=ops.download_counts([item.id]).get(item.id, 0) if may_manage else None)


def _send(item, version):
    ops.record_download(item)
    response = send_file(get_storage().open(version.storage_key), mimetype=version.content_type, as_attachment=True,
                         download_name=version.original_name, max_age=0)
    # Revalidate every time: a replaced or retired file must not be served from a cache.
    response.headers["Cache-Control"] = "private, no-store" if item.visibility != "public" else "no-cache"
    return response


@bp.route("/resources/<slug>/download")
@permission_required("site.view")
def download(slug):
    """Download the current file (or go to the web address); visibility is checked every time."""
    item = _visible_or_404(slug)
    if item.current_file is None:
        if not item.external_url:
            abort(404)
        ops.record_download(item)
        return redirect(item.external_url)  # a curator's address, never one from the request
    return _send(item, item.current_file)


@bp.route("/resources/<slug>/versions/<int:file_id>")
@permission_required("site.view")
def download_version(slug, file_id):
    """Download an earlier version of the file."""
    item = _visible_or_404(slug)
    version = db.session.get(ResourceFile, file_id)
    if version is None or version.resource_id != item.id:
        abort(404)
    return _send(item, version)


@bp.route("/resources/<slug>/save", methods=["POST"])
@permission_required("resource.save")
def save(slug):
    """Save a resource to your list, or take it off."""
    item = _visible_or_404(slug)
    if ConfirmForm().validate_on_submit():
        if request.form.get("action") == "remove":
            ops.unsave_for(current_user, item)
            flash("Taken off your saved resources.", "success")
        else:
            ops.save_for(current_user, item)
            flash("Saved. Find it in My saved resources.", "success")
    return redirect(url_for("library.resource", slug=item.slug))


@bp.route("/my/resources")
@permission_required("resource.list_saved")
def saved():
    """My saved resources."""
    return render_template("library/saved.html", items=ops.saved_by(current_user))


@bp.route("/resources/suggest", methods=["GET", "POST"])
@permission_required("resource.suggest")
def suggest():
    """Suggest a resource for the library."""
    form = forms.SuggestionForm()
    form.theme_slug.choices = [("", "Not sure")] + [(s, t.name) for s, t in sorted(get_plugins().themes().items())]
    if form.validate_on_submit():
        ops.suggest(current_user, title=form.title.data, url=form.url.data, summary=form.summary.data,
                    theme_slug=form.theme_slug.data)
        flash("Thank you. A curator will look at your suggestion.", "success")
        return redirect(url_for("library.index"))
    return render_template("library/suggest.html", form=form)


# -- curating ------------------------------------------------------------------------------------------------------

@bp.route("/manage/resources")
@permission_required("resources.curate")
def manage():
    """Curate: drafts and published items of your themes, items past their review date, suggestions."""
    themes = None if current_user.role == "admin" else current_user.led_themes
    stmt = select(Resource).where(visible_resources(current_user)).order_by(Resource.updated_at.desc()).limit(200)
    items = [r for r in db.session.scalars(stmt) if can(current_user, "resource.manage", r)]
    waiting = db.session.scalars(select(ResourceSuggestion).where(ResourceSuggestion.status == "waiting")
                                 .options(selectinload(ResourceSuggestion.member))  # the page names each suggester
                                 .order_by(ResourceSuggestion.created_at)).all()
    if themes is not None:
        waiting = [s for s in waiting if s.theme_slug in themes or s.theme_slug is None]
    return render_template("library/manage.html", items=items, due=ops.review_due(themes), waiting=waiting,
                           form=ConfirmForm(), downloads=ops.download_counts([r.id for r in items]))


def _resource_form(item=None):
    form = forms.ResourceForm(obj=item)
    form.type.choices = [(k, t.label) for k, t in ops.resource_types().items()]
    themes = get_plugins().themes()
    form.themes.choices = [(s, t.name) for s, t in sorted(themes.items()) if can(current_user, "resources.curate", s)]
    if request.method == "GET" and item is not None:
        form.themes.data, form.audience.data = item.themes, item.audience
        form.tags.data = ", ".join(item.tags)
        form.variant_of.data = item.variant_of.slug if item.variant_of else ""
    return form


def _save(form, item):
    if not form.validate_on_submit():
        return None
    if not form.themes.data:
        form.themes.errors = list(form.themes.errors) + ["Choose at least one theme you curate."]
        return None
    variant_of_id = None
    if form.variant_of.data:
        original = db.session.scalar(select(Resource).where(Resource.slug == form.variant_of.data.strip()))
        if original is None:
            form.variant_of.errors = list(form.variant_of.errors) + ["No resource has that web address name."]
            return None
        variant_of_id = original.id
    upload = None
    if form.file.data and form.file.data.filename:
        worked, upload = attempt(lambda: check_upload(form.file.data), form=form, field="file")
        if not worked:
            return None
    # The form offers only the themes this curator may curate (and that are enabled): keep the others.
    offered = {value for value, _ in form.themes.choices}
    themes = list(form.themes.data) + [s for s in (item.themes if item else []) if s not in offered]
    extra_fields = ops.resource_types().get(form.type.data)
    extra = {f.name: request.form.get(f"extra__{f.name}", "").strip() for f in (extra_fields.fields if extra_fields else ())}
    try:
        worked, saved = attempt(lambda: ops.save_resource(
                current_user, item, themes=themes, audience=form.audience.data,
                tags=(form.tags.data or "").split(","), upload=upload,
                title=form.title.data, summary=form.summary.data, type=form.type.data, year=form.year.data,
                authors=form.authors.data or None, licence=form.licence.data or None, review_due=form.review_due.data,
                visibility=form.visibility.data, status=form.status.data, external_url=form.external_url.data or None,
                variant_of_id=variant_of_id, variant_kind=form.variant_kind.data or None, language=form.language.data or None,
                question=form.question.data or None, population=form.population.data or None,
                study_count=form.study_count.data, key_findings=form.key_findings.data or None,
                plain_summary=form.plain_summary.data or None, extra=extra), form=form, field="status")
    except StorageFailed as failed:  # the file store failed: not a refusal, but said beside the file
        form.file.errors = list(form.file.errors) + [str(failed)]
        return None
    return saved if worked else None


@bp.route("/manage/resources/new", methods=["GET", "POST"])
@permission_required("resources.curate")
def new():
    """Add a resource."""
    form = _resource_form()
    item = _save(form, None)
    if item is not None:
        flash("The resource has been saved.", "success")
        return redirect(url_for("library.resource", slug=item.slug))
    return render_template("library/form.html", form=form, item=None, types=ops.resource_types())


@bp.route("/manage/resources/<int:resource_id>/edit", methods=["GET", "POST"])
@permission_required("resources.curate")
def edit(resource_id):
    """Change a resource, or upload a new version of its file."""
    item = db.session.get(Resource, resource_id)
    if item is None:
        abort(404)
    require("resource.manage", item)
    form = _resource_form(item)
    if _save(form, item) is not None:
        flash("The resource has been saved.", "success")
        return redirect(url_for("library.resource", slug=item.slug))
    return render_template("library/form.html", form=form, item=item, types=ops.resource_types())


@bp.route("/manage/resources/<int:resource_id>/status", methods=["POST"])
@permission_required("resources.curate")
def set_status(resource_id):
    """Publish, retire or return a resource to draft."""
    item = db.session.get(Resource, resource_id)
    if item is None:
        abort(404)
    require("resource.manage", item)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.set_status(current_user, item, request.form.get("status", "")),
                lambda _: f"The resource is now {item.status}.")
    return redirect(url_for("library.resource", slug=item.slug))


@bp.route("/manage/suggestions/<int:suggestion_id>", methods=["POST"])
@permission_required("resources.curate")
def decide(suggestion_id):
    """Accept a suggestion (it becomes a draft to finish) or decline it."""
    suggestion = db.session.get(ResourceSuggestion, suggestion_id)
    if suggestion is None:
        abort(404)
    require("resources.curate", suggestion.theme_slug)
    if ConfirmForm().validate_on_submit():
        worked, created = attempt(lambda: ops.decide_suggestion(current_user, suggestion,
                                                                request.form.get("decision") == "accept"))
        if worked:
            if created is not None:
                flash("Accepted: finish the draft and publish it.", "success")
                return redirect(url_for("library.edit", resource_id=created.id))
            flash("The suggestion has been declined.", "success")
    return redirect(url_for("library.manage"))


@bp.route("/manage/courses/<int:course_id>/resources", methods=["POST"])
@permission_required("courses.organise")
def recommend(course_id):
    """Recommend a resource on a course page (or take it off)."""
    course = db.session.get(Course, course_id)
    if course is None:
        abort(404)
    require("course.manage", course)
    form = forms.RecommendForm()
    if form.validate_on_submit():
        item = db.session.scalar(select(Resource).where(Resource.slug == form.slug.data.strip()))
        if item is None:
            flash("No resource has that web address name.", "error")
        elif request.form.get("action") == "remove":
            ops.unrecommend(current_user, course, item)
            flash("Taken off the course page.", "success")
        else:
            ops.recommend(current_user, course, item)
            flash(f"“{item.title}” is now recommended on the course page.", "success")
    else:
        flash("Enter the resource's web address name.", "error")
    return redirect(url_for("manage.course", course_id=course.id))
