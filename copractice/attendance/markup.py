"""HTML for the rows of the two biggest tables, built in Python with each value escaped once.

A register of 200 people and a report of 50 sessions x 200 people went through Jinja expression by
expression (about 8,000 escapes and attribute look-ups for the register, 10,000 cells for the report),
which was most of each page's time. The markup is the same as a template would write; the pages'
templates keep the rest of the page.
"""
from markupsafe import Markup, escape

from copractice.attendance.models import MARKS

SOURCE_NOTES = {"apology": " (sent apologies)", "self_checkin": " (checked in)"}

_BUTTON = ('<button name="{key}" value="{{id}}" class="mark-button mark-button--{key}" aria-pressed="{pressed}" '
           'aria-labelledby="mark-{key} name-{{id}}">{label}</button>')
# The four buttons for each current mark (or none), with {id} to fill in.
_BUTTONS = {current: "".join(_BUTTON.format(key=key, label=escape(label), pressed="true" if key == current else "false")
                             for key, label in MARKS.items())
            for current in (None, *MARKS)}

_ROW = """<li class="register__row" id="person-{id}">
<fieldset class="register__fieldset">
<legend class="register__name"><span id="name-{id}">{name}</span>{no_place}
<span class="register__now">{now}</span>
</legend>
<div class="register__buttons">{buttons}</div>
<div class="register__remark">
<label class="label" for="remark-{id}">Remark<span class="visually-hidden"> for {name}</span> (optional)</label>{error}
<input class="input" id="remark-{id}" name="remark-{id}" maxlength="500" value="{value}"{described}>{was}
</div>
</fieldset>
</li>
"""
_NO_PLACE = ' <span class="hint">(no place)</span>'
_ERROR = ('<span class="error-message" id="remark-{id}-error"><span class="visually-hidden">Error:</span> '
          'Choose a mark to save this remark.</span>')


def register_rows(rows, typed=None):
    """The register's rows (``operations.RegisterRow``) as the ``<li>`` items of its one form.

    Each mark button is named for its mark and holds the person's id; its accessible name is the mark
    and the person's name ("Late: Chloe Patel") through ``aria-labelledby``: the page's shared
    ``mark-<key>`` labels and the name in the row's legend. ``typed`` maps member ids to remarks typed
    for people with no mark yet, kept in their boxes with an error next to them.
    """
    typed = typed or {}
    out = []
    for row in rows:
        member_id, current = row.member_id, row.status
        name = escape(row.name)
        if current:
            now = MARKS.get(current, current) + SOURCE_NOTES.get(row.source, "")
        else:
            now = "Not marked yet"
        was = f'<input type="hidden" name="was-{member_id}" value="{escape(row.remark)}">' if row.remark else ""
        if member_id in typed:
            value, error = escape(typed[member_id]), _ERROR.format(id=member_id)
            described = f' aria-describedby="remark-{member_id}-error"'
        else:
            value, error, described = escape(row.remark or ""), "", ""
        out.append(_ROW.format(id=member_id, name=name, no_place="" if row.enrolled else _NO_PLACE, now=escape(now),
                               buttons=_BUTTONS.get(current, _BUTTONS[None]).format(id=member_id), error=error, value=value,
                               described=described, was=was))
    return Markup("".join(out))


def grid_rows(grid):
    """The body rows of a course report (``reports.CourseGrid``): name, a cell per session, rates, hours,
    completion and any plugin columns. A session cell is one of five strings, escaped once per page."""
    from copractice.attendance.reports import percent, report_cell
    from copractice.templating import uk_date

    cell = {status: f"<td>{escape(label)}</td>" for status, label in MARKS.items()}
    cell[None] = "<td></td>"
    out = []
    for row in grid.rows:
        cells = "".join(map(cell.__getitem__, row.statuses))
        completed = uk_date(row.completed_at) if row.completed_at else "Not yet"
        extra = "".join(f"<td>{escape(report_cell(c, row.member))}</td>" for c in grid.columns)
        out.append(f'<tr><th scope="row">{escape(row.name)}</th>{cells}'
                   f"<td>{percent(row.attendance_rate(grid.held))}</td><td>{percent(row.notice_rate(grid.held))}</td>"
                   f"<td>{row.hours}</td><td>{escape(completed)}</td>{extra}</tr>\n")
    return Markup("".join(out))
