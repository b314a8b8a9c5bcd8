"""Small numbers suppressed, with secondary suppression, for every aggregate the site shows or exports.

Any count under the threshold (``SUPPRESS_BELOW``, 5 unless configured) shows "fewer than 5". A total
printed beside hidden counts could give them away (total minus the counts shown), so more counts are
hidden until no hidden small count can be worked out from what is shown:

- every line (a row, a column, the row totals, the column totals) whose total is shown must not have
  exactly one hidden member;
- then the attack is run: bounds on every hidden number are tightened from every shown total, the way
  someone with the table and a pencil would (a small count lies in 0..4, a count hidden to protect it is
  at least 5). While a small count comes out pinned to one value from 1 to 4, one more count on its lines is
  hidden. (A hidden count that can only be 0 says "nobody" and is let be: chasing it would hide most of a sparse
  table.)

Counts hidden to protect another show "not shown". Pages, charts and exports all read the same
:class:`Cell`, so none of them can print a number the others hide. Means and shares are shown only when
the number of people behind them is at or over the threshold (:func:`guarded`).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, has_app_context

DEFAULT_THRESHOLD = 5
SECONDARY_LABEL = "not shown"
# All an attacker knows at first of a count hidden to protect another: it is at least the threshold.
_UNBOUNDED = 10**12


def threshold() -> int:
    """The smallest count shown as a number (config ``SUPPRESS_BELOW``)."""
    if has_app_context():
        return max(1, int(current_app.config.get("SUPPRESS_BELOW", DEFAULT_THRESHOLD)))
    return DEFAULT_THRESHOLD


def small_label(below: int | None = None) -> str:
    return f"fewer than {below if below is not None else threshold()}"


@dataclass(frozen=True)
class Cell:
    """One number as it may be shown: ``shown`` is None when it is hidden."""

    shown: int | float | None
    small: bool = False  # hidden because it is under the threshold
    below: int = DEFAULT_THRESHOLD

    @property
    def hidden(self) -> bool:
        return self.shown is None

    @property
    def label(self) -> str:
        if self.shown is None:
            return small_label(self.below) if self.small else SECONDARY_LABEL
        if isinstance(self.shown, float):
            return f"{self.shown:.1f}"
        return str(self.shown)

    def __str__(self) -> str:
        return self.label

    def export(self) -> int | float | str:
        """The value for a CSV or XLSX cell: the number, or the words that hide it."""
        return self.label if self.shown is None else self.shown


def visible(count: int, below: int | None = None) -> Cell:
    return Cell(count, below=below if below is not None else threshold())


def guarded(value: float | int | None, people: int, below: int | None = None) -> Cell:
    """A mean, share or change, shown only when ``people`` (how many it is worked out from) is enough."""
    below = below if below is not None else threshold()
    if value is None or people < below:
        return Cell(None, small=True, below=below)
    return Cell(value, below=below)


# --- the attack: bounds from the lines whose totals are shown ------------------------------------


Line = tuple[Hashable, tuple[Hashable, ...]]  # (the total's key, the members' keys)


def bounds(
    values: Mapping[Hashable, int],
    hidden: Mapping[Hashable, bool],
    lines: Sequence[Line],
    below: int,
) -> dict[Hashable, tuple[int, int]]:
    """What someone can work out about each hidden number from the shown ones and the lines' sums.

    ``hidden`` maps each hidden key to True when it was hidden for being small (so it is known to lie in
    0..below-1) and False when it was hidden to protect another (so it is at least ``below``).
    Returns (lowest, highest) for every hidden key, tightened until nothing changes.
    """
    known = {key: (values[key], values[key]) for key in values if key not in hidden}
    box = {key: ((0, below - 1) if small else (below, _UNBOUNDED)) for key, small in hidden.items()}
    box.update(known)
    for _ in range(100):
        changed = False
        for total, members in lines:
            t_lo, t_hi = box[total]
            for key in (total, *members):
                if key not in hidden:
                    continue
                if key == total:
                    lo = sum(box[m][0] for m in members)
                    hi = sum(box[m][1] for m in members)
                else:
                    others = [m for m in members if m != key]
                    lo = t_lo - sum(box[m][1] for m in others)
                    hi = t_hi - sum(box[m][0] for m in others)
                old_lo, old_hi = box[key]
                new = (max(old_lo, lo), min(old_hi, hi))
                if new != box[key] and new[0] <= new[1]:
                    box[key] = new
                    changed = True
        if not changed:
            break
    return {key: box[key] for key in hidden}


def protect(values: Mapping[Hashable, int], lines: Sequence[Line], below: int | None = None) -> dict[Hashable, Cell]:
    """Hide every value under ``below`` and as many others as it takes to keep them hidden."""
    below = below if below is not None else threshold()
    hidden: dict[Hashable, bool] = {key: True for key, value in values.items() if value < below}

    def hide_one_more(line_keys: Iterable[Hashable]) -> bool:
        candidates = [key for key in line_keys if key not in hidden]
        if not candidates:
            return False
        # The smallest shown member costs the reader least; ties go to the first in the line.
        key = min(candidates, key=lambda k: values[k])
        hidden[key] = False
        return True

    for _ in range(len(values) + 1):
        changed = False
        for total, members in lines:
            if total in hidden:
                continue
            hidden_members = [m for m in members if m in hidden]
            if len(hidden_members) == 1:
                changed |= hide_one_more(members) or hide_one_more([total])
        if changed:
            continue
        found = bounds(values, hidden, lines, below)
        # A hidden count that can only be 0 tells nobody anything about a person; one pinned to 1..4 does.
        pinned = [key for key, (lo, hi) in found.items() if hidden[key] and lo == hi and lo > 0]
        if not pinned:
            break
        key = pinned[0]
        for total, members in lines:
            if (key in members or key == total) and (hide_one_more(members) or hide_one_more([total])):
                break
        else:  # pragma: no cover - every key is on a line
            break
    return {key: (Cell(None, small=hidden[key], below=below) if key in hidden else Cell(value, below=below)) for key, value in values.items()}


# --- the shapes pages use ---------------------------------------------------------------------------

TOTAL = "__total__"


@dataclass
class Counts:
    """Counts of one breakdown with their total, protected together."""

    cells: dict[Any, Cell]
    total: Cell

    def __getitem__(self, key: Any) -> Cell:
        return self.cells[key]

    def items(self) -> Iterable[tuple[Any, Cell]]:
        return self.cells.items()


def suppress_counts(counts: Mapping[Any, int], below: int | None = None) -> Counts:
    """One breakdown (e.g. people by stakeholder type) with its total."""
    keys = list(counts)
    values: dict[Hashable, int] = {("cell", key): int(counts[key]) for key in keys}
    values[TOTAL] = sum(values.values())
    cells = protect(values, [(TOTAL, tuple(("cell", key) for key in keys))], below)
    return Counts({key: cells[("cell", key)] for key in keys}, cells[TOTAL])


@dataclass
class Table:
    """A two-way table (e.g. area x stakeholder type) with row, column and grand totals, protected together."""

    rows: list[Any]
    columns: list[Any]
    cells: dict[tuple[Any, Any], Cell]
    row_totals: dict[Any, Cell]
    column_totals: dict[Any, Cell]
    total: Cell

    def cell(self, row: Any, column: Any) -> Cell:
        return self.cells[(row, column)]

    def export_rows(self, row_heading: str, total_heading: str = "Total") -> list[list[Any]]:
        """The table as rows for CSV or XLSX: the same hidden cells as the page."""
        out: list[list[Any]] = [[row_heading, *[str(c) for c in self.columns], total_heading]]
        for row in self.rows:
            out.append([str(row), *[self.cells[(row, c)].export() for c in self.columns], self.row_totals[row].export()])
        out.append([total_heading, *[self.column_totals[c].export() for c in self.columns], self.total.export()])
        return out


def suppress_table(
    rows: Sequence[Any], columns: Sequence[Any], counts: Mapping[tuple[Any, Any], int], below: int | None = None
) -> Table:
    """Protect a two-way table of counts; missing cells count as 0."""
    values: dict[Hashable, int] = {}
    for row in rows:
        for column in columns:
            values[("cell", row, column)] = int(counts.get((row, column), 0))
    for row in rows:
        values[("row", row)] = sum(values[("cell", row, c)] for c in columns)
    for column in columns:
        values[("column", column)] = sum(values[("cell", r, column)] for r in rows)
    values[TOTAL] = sum(values[("row", r)] for r in rows)
    lines: list[Line] = [(("row", r), tuple(("cell", r, c) for c in columns)) for r in rows]
    lines += [(("column", c), tuple(("cell", r, c) for r in rows)) for c in columns]
    lines.append((TOTAL, tuple(("row", r) for r in rows)))
    lines.append((TOTAL, tuple(("column", c) for c in columns)))
    cells = protect(values, lines, below)
    return Table(
        rows=list(rows),
        columns=list(columns),
        cells={(r, c): cells[("cell", r, c)] for r in rows for c in columns},
        row_totals={r: cells[("row", r)] for r in rows},
        column_totals={c: cells[("column", c)] for c in columns},
        total=cells[TOTAL],
    )
