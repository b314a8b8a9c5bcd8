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
        i, current = row.member_id, row.status  # i: an int, safe as it is
        name = escape(row.name)
        now = escape(MARKS.get(current, current) + SOURCE_NOTES.get(row.source, "")) if current else "Not marked yet"
        no_place = "" if row.enrolled or row.co_facilitating else _NO_PLACE
        buttons = _BUTTONS.get(current, _BUTTONS[None]).replace("{id}", str(i))
        was = f'<input type="hidden" name="was-{i}" value="{escape(row.remark)}">' if row.remark else ""
        if i in typed:
            value, error = escape(typed[i]), _ERROR.format(id=i)
            described = f' aria-describedby="remark-{i}-error"'
        else:
            value, error, described = escape(row.remark or ""), "", ""
        # An f-string: cheaper than str.format with named fields, 200 times a page.
        out.append(f"""<li class="register__row" id="person-{i}">
<fieldset class="register__fieldset">
<legend class="register__name"><span id="name-{i}">{name}</span>{no_place}
<span class="register__now">{now}</span>
</legend>
<div class="register__buttons">{buttons}</div>
<div class="register__remark">
<label class="label" for="remark-{i}">Remark<span class="visually-hidden"> for {name}</span> (optional)</label>{error}
<input class="input" id="remark-{i}" name="remark-{i}" maxlength="500" value="{value}"{described}>{was}
</div>
</fieldset>
</li>
""")
    return Markup("".join(out))


def grid_rows(grid):
    """The body rows of a course report (``reports.CourseGrid``): name, a cell per session, rates, hours,
    completion and any plugin columns. A session cell is one of five strings, escaped once per page."""
    from copractice.attendance.reports import attendance_rates, percent
    from copractice.timeutil import uk_date

    cell = {status: f"<td>{escape(label)}</td>" for status, label in MARKS.items()}
    cell[None] = "<td></td>"
    out = []
    for row in grid.rows:
        cells = "".join(map(cell.__getitem__, row.statuses))
        completed = uk_date(row.completed_at) if row.completed_at else "Not yet"
        extra = "".join(f"<td>{escape(cell)}</td>" for cell in row.extra)
        attended, notice = attendance_rates(row.attended, row.excused, grid.held)  # both rates at once
        out.append(f'<tr><th scope="row">{escape(row.name)}</th>{cells}'
                   f"<td>{percent(attended)}</td><td>{percent(notice)}</td>"
                   f"<td>{row.hours}</td><td>{escape(completed)}</td>{extra}</tr>\n")
    return Markup("".join(out))
