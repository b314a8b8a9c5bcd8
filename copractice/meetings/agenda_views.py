"""Pages of a meeting's agenda, papers and minutes, a group's actions and its "you said, we did" log."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from copractice.attendance.reports import csv_lines, xlsx_bytes
from copractice.courses.forms import ConfirmForm
from copractice.extensions import db
from copractice.library.models import Resource
from copractice.library.storage import StorageFailed, get_storage
from copractice.library.uploads import check_upload
from copractice.meetings import agenda as ops
from copractice.meetings import log as said
from copractice.meetings import minutes as mins
from copractice.meetings.agenda_forms import ActionStatusForm, ItemForm, LogEntryForm, MinutesForm, PaperForm
from copractice.meetings.agenda_models import ACTION_STATUSES
from copractice.permissions import can, permission_required, require
from copractice.timeutil import uk_date, utcnow
from copractice.urls import slugify
from copractice.web import attempt

bp = Blueprint("agenda", __name__, url_prefix="/groups")

MEETING = "/<slug>/meetings/<int:meeting_id>"


# -- helpers ---------------------------------------------------------------------------------------------------

def _group(slug, action="group.view"):
    group = ops.group_by_slug(slug)
    if group is None:
        abort(404)
    require(action, group)
    return group


def _meeting(slug, meeting_id, action="group.view"):
    group = _group(slug, action)
    meeting = ops.meeting_of(group, meeting_id)
    if meeting is None:
        abort(404)
    return group, meeting


def _item(meeting, item_id):
    item = ops.item_of(meeting, item_id)
    if item is None:
        abort(404)
    return item


def _to_agenda(group, meeting, anchor=None):
    return redirect(url_for("agenda.agenda", slug=group.slug, meeting_id=meeting.id, _anchor=anchor))


def _member_choices(group, empty):
    return [("", empty)] + [(str(row.id), row.name) for row in ops.active_members(group)]


def _meeting_link(group, meeting):
    """The meetings pages' own page of a meeting when it is there, else its agenda here."""
    from flask import current_app

    if "meetings.meeting" in current_app.view_functions:
        return url_for("meetings.meeting", slug=group.slug, meeting_id=meeting.id)
    return url_for("agenda.agenda", slug=group.slug, meeting_id=meeting.id)


# -- the agenda ------------------------------------------------------------------------------------------------

@bp.route(MEETING + "/agenda")
@permission_required("groups.view")
def agenda(slug, meeting_id):
    """A meeting's agenda: items, papers (once sent), approved minutes, decisions and actions."""
    group, meeting = _meeting(slug, meeting_id)
    may_run = can(current_user, "group.run", group)
    return render_template("agenda/agenda.html", group=group, meeting=meeting, may_run=may_run,
                           agenda=ops.agenda_for(current_user, meeting), form=ConfirmForm(),
                           meeting_link=_meeting_link(group, meeting), statuses=ACTION_STATUSES)


def _item_form(group, item=None):
    form = ItemForm(obj=item)
    form.lead_id.choices = _member_choices(group, "Nobody named")
    return form


@bp.route(MEETING + "/agenda/new", methods=["GET", "POST"])
@permission_required("groups.view")
def new_item(slug, meeting_id):
    """Add an item to the agenda."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    form = _item_form(group)
    if form.validate_on_submit():
        ok, item = attempt(lambda: ops.add_item(
            current_user, meeting, title=form.title.data, description=form.description.data,
            lead_id=form.lead_id.data, minutes_allotted=form.minutes_allotted.data),
            "Item added to the agenda.", form=form, field="title")
        if ok:
            return _to_agenda(group, meeting, f"item-{item.id}")
    return render_template("agenda/item_form.html", group=group, meeting=meeting, form=form, item=None)


@bp.route(MEETING + "/agenda/<int:item_id>/edit", methods=["GET", "POST"])
@permission_required("groups.view")
def edit_item(slug, meeting_id, item_id):
    """Change an agenda item."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    item = _item(meeting, item_id)
    form = _item_form(group, item)
    if request.method == "GET":
        form.lead_id.data = item.lead_id
    if form.validate_on_submit():
        ok, _ = attempt(lambda: ops.update_item(
            current_user, item, title=form.title.data, description=form.description.data,
            lead_id=form.lead_id.data, minutes_allotted=form.minutes_allotted.data),
            "Item changed.", form=form, field="title")
        if ok:
            return _to_agenda(group, meeting, f"item-{item.id}")
    return render_template("agenda/item_form.html", group=group, meeting=meeting, form=form, item=item)


@bp.route(MEETING + "/agenda/<int:item_id>/up", methods=["POST"])
@permission_required("groups.view")
def move_item(slug, meeting_id, item_id):
    """Move an item one place up the agenda."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    item = _item(meeting, item_id)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.move_item_up(current_user, item), "Item moved up.")
    return _to_agenda(group, meeting, f"item-{item.id}")


@bp.route(MEETING + "/agenda/<int:item_id>/remove", methods=["POST"])
@permission_required("groups.view")
def remove_item(slug, meeting_id, item_id):
    """Take an item off the agenda."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    item = _item(meeting, item_id)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.remove_item(current_user, item), "Item taken off the agenda.")
    return _to_agenda(group, meeting)


# -- papers ----------------------------------------------------------------------------------------------------

@bp.route(MEETING + "/agenda/<int:item_id>/papers/new", methods=["GET", "POST"])
@permission_required("groups.view")
def add_paper(slug, meeting_id, item_id):
    """Attach a paper to an item: a library resource, or an uploaded file."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    item = _item(meeting, item_id)
    form = PaperForm()
    form.resource_id.choices = [("", "No resource: I will upload a file")] + [
        (str(row.id), row.title) for row in ops.library_choices(current_user)]
    form.easy_read_id.choices = [("", "None")] + [(str(row.id), row.title)
                                                  for row in ops.easy_read_choices(current_user)]
    if form.validate_on_submit():
        paper = _save_paper(form, item)
        if paper is not None:
            flash("Paper added.", "success")
            return _to_agenda(group, meeting, f"item-{item.id}")
    return render_template("agenda/paper_form.html", group=group, meeting=meeting, item=item, form=form)


def _save_paper(form, item):
    if form.resource_id.data is not None:
        resource = db.session.get(Resource, form.resource_id.data)
        ok, paper = attempt(lambda: ops.attach_library_paper(
            current_user, item, resource, title=form.title.data, easy_read_id=form.easy_read_id.data),
            form=form, field="resource_id")
        return paper if ok else None
    ok, upload = attempt(lambda: check_upload(form.file.data), form=form, field="file")
    if not ok:
        return None
    try:
        ok, paper = attempt(lambda: ops.upload_paper(current_user, item, upload, title=form.title.data,
                                                     easy_read_id=form.easy_read_id.data), form=form, field="file")
    except StorageFailed as failed:  # the file store failed: not a refusal, but said beside the file
        form.file.errors = [*form.file.errors, str(failed)]
        return None
    return paper if ok else None


@bp.route(MEETING + "/papers/<int:paper_id>")
@permission_required("groups.view")
def paper(slug, meeting_id, paper_id):
    """Open a paper: the library resource's page, or the uploaded file (checked every time)."""
    group, meeting = _meeting(slug, meeting_id)
    found = ops.paper_of(meeting, paper_id)
    if found is None or not ops.may_download(current_user, found):
        abort(404)
    if found.resource is not None:
        return redirect(url_for("library.resource", slug=found.resource.slug))
    response = send_file(get_storage().open(found.storage_key), mimetype=found.content_type, as_attachment=True,
                         download_name=found.original_name, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route(MEETING + "/papers/<int:paper_id>/remove", methods=["POST"])
@permission_required("groups.view")
def remove_paper(slug, meeting_id, paper_id):
    """Take a paper off an item."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    found = ops.paper_of(meeting, paper_id)
    if found is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: ops.remove_paper(current_user, found), "Paper taken off.")
    return _to_agenda(group, meeting)


@bp.route(MEETING + "/papers/send", methods=["POST"])
@permission_required("groups.view")
def send_papers(slug, meeting_id):
    """Send the agenda and papers to the group's members now, rather than waiting for the day they are due."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    if ConfirmForm().validate_on_submit():
        ok, sent = attempt(lambda: ops.publish_papers(meeting, actor=current_user))
        if ok:
            flash("The agenda and papers were sent to the group's members." if sent
                  else "The papers were already sent.", "success")
    return _to_agenda(group, meeting)


# -- minutes, decisions, actions -------------------------------------------------------------------------------

@bp.route(MEETING + "/agenda/<int:item_id>/minutes", methods=["GET", "POST"])
@permission_required("groups.view")
def minutes(slug, meeting_id, item_id):
    """Write an item's minutes, and record a decision or an action."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    item = _item(meeting, item_id)
    form = MinutesForm()
    form.owner_id.choices = _member_choices(group, "Choose someone")
    if request.method == "GET":
        form.minutes.data = item.minutes
    if form.validate_on_submit():
        def save():
            return mins.write_item_minutes(current_user, item, minutes=form.minutes.data,
                                           decision=form.decision.data, action=form.action.data,
                                           owner_id=form.owner_id.data, due_on=form.due_on.data)

        ok, _ = attempt(save, "Minutes saved. They are a draft until they are approved at the next meeting.",
                        form=form, field=lambda r: "due_on" if "due date" in str(r) else
                        ("owner_id" if "member of the group" in str(r) else "minutes"))
        if ok:
            return _to_agenda(group, meeting, f"item-{item.id}")
    return render_template("agenda/minutes_form.html", group=group, meeting=meeting, item=item, form=form,
                           status=mins.minutes_of(meeting))


@bp.route(MEETING + "/approve-minutes", methods=["POST"])
@permission_required("groups.view")
def approve_minutes(slug, meeting_id):
    """At this meeting, approve the minutes of the group's meeting before it."""
    group, meeting = _meeting(slug, meeting_id, "group.run")
    previous = ops.previous_meeting(meeting)
    if ConfirmForm().validate_on_submit():
        if previous is None:
            flash("This is the group's first meeting: there are no minutes to approve.", "error")
        else:
            attempt(lambda: mins.approve_minutes(current_user, previous, meeting),
                    "Minutes approved. The group's members can now read them.")
    return _to_agenda(group, meeting)


# -- the group's actions ---------------------------------------------------------------------------------------

@bp.route("/<slug>/actions")
@permission_required("groups.view")
def actions(slug):
    """The group's actions, open ones first; owners mark their own done here."""
    group = _group(slug)
    log = mins.action_log(group)
    return render_template("agenda/actions.html", group=group, actions=log, statuses=ACTION_STATUSES,
                           may_run=can(current_user, "group.run", group), form=ActionStatusForm(),
                           owner_statuses=mins.OWNER_STATUSES)


@bp.route("/<slug>/actions/<int:action_id>/status", methods=["POST"])
@permission_required("groups.view")
def action_status(slug, action_id):
    """Change an action's status: its owner, or those who run the group."""
    group = _group(slug)
    action = mins.action_of(group, action_id)
    if action is None:
        abort(404)
    require("group.action_status", action)
    form = ActionStatusForm()
    if form.validate_on_submit():
        attempt(lambda: mins.set_action_status(current_user, action, form.status.data),
                f"Action marked {ACTION_STATUSES[form.status.data].lower()}.")
    else:
        flash("Choose a status from the list.", "error")
    target = request.form.get("next", "")
    if target.startswith("/groups/") and "//" not in target:
        return redirect(target)
    return redirect(url_for("agenda.actions", slug=group.slug, _anchor=f"action-{action.id}"))


def _export_name(group, extension):
    return f"actions-{slugify(group.slug)}-{utcnow():%Y-%m-%d}.{extension}"


@bp.route("/<slug>/actions.csv")
@permission_required("groups.view")
def actions_csv(slug):
    """The group's action log as a CSV file (safe to open in a spreadsheet)."""
    group = _group(slug, "group.run")
    body = "".join(csv_lines(mins.ACTION_LOG_HEADERS, mins.action_log_rows(group)))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{_export_name(group, "csv")}"',
        "Cache-Control": "private, no-store"})


@bp.route("/<slug>/actions.xlsx")
@permission_required("groups.view")
def actions_xlsx(slug):
    """The group's action log as an Excel workbook."""
    group = _group(slug, "group.run")
    data = xlsx_bytes(mins.ACTION_LOG_HEADERS, mins.action_log_rows(group), title="Actions")
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", headers={
        "Content-Disposition": f'attachment; filename="{_export_name(group, "xlsx")}"',
        "Cache-Control": "private, no-store"})


# -- "you said, we did" ----------------------------------------------------------------------------------------

@bp.route("/<slug>/you-said-we-did")
@permission_required("site.view")
def said_we_did(slug):
    """The group's public log of what members raised and what changed because of it."""
    group = _group(slug, "group.public_log")
    return render_template("agenda/log.html", group=group, entries=said.impact_entries(group=group),
                           may_run=can(current_user, "group.run", group),
                           may_view=can(current_user, "group.view", group), form=ConfirmForm())


@bp.route("/<slug>/you-said-we-did/new", methods=["GET", "POST"])
@permission_required("groups.view")
def new_log_entry(slug):
    """Add a line to the group's "you said, we did" log."""
    group = _group(slug, "group.run")
    form = LogEntryForm()
    form.meeting_id.choices = [("", "Not at a meeting")] + [
        (str(row.id), f"{row.title}, {uk_date(row.starts_at)}") for row in said.meeting_choices(group)]
    if request.method == "GET" and request.args.get("meeting", "").isdigit():
        form.meeting_id.data = int(request.args["meeting"])
    if form.validate_on_submit():
        ok, _ = attempt(lambda: said.add_entry(current_user, group, you_said=form.you_said.data,
                                               we_did=form.we_did.data, meeting_id=form.meeting_id.data,
                                               changed_on=form.changed_on.data),
                        "Added to the log.", form=form, field="you_said")
        if ok:
            return redirect(url_for("agenda.said_we_did", slug=group.slug))
    return render_template("agenda/log_form.html", group=group, form=form)


@bp.route("/<slug>/you-said-we-did/<int:entry_id>/remove", methods=["POST"])
@permission_required("groups.view")
def remove_log_entry(slug, entry_id):
    """Take a line off the log."""
    group = _group(slug, "group.run")
    entry = said.entry_of(group, entry_id)
    if entry is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        attempt(lambda: said.remove_entry(current_user, entry), "Taken off the log.")
    return redirect(url_for("agenda.said_we_did", slug=group.slug))


# -- what the meetings pages include -----------------------------------------------------------------------------

@bp.app_template_global("meeting_agenda_summary")
def meeting_agenda_summary(meeting):
    """For templates/meetings/_meeting_agenda.html: the meeting's agenda as the current member may see it."""
    return ops.agenda_for(current_user, meeting)


@bp.app_template_global("group_open_actions")
def group_open_actions(group):
    """For templates/meetings/_group_work.html: the group's actions not yet done or dropped."""
    return mins.action_log(group, still_open_only=True)


