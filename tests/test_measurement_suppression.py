"""Small numbers suppressed everywhere (issue 16 point 8): the attack on the totals fails."""

import random

import pytest

from copractice.measurement.suppression import (
    SECONDARY_LABEL,
    guarded,
    suppress_counts,
    suppress_table,
)


def _solutions(table, below):
    """Every table of whole numbers consistent with what is shown: the attacker's brute force.

    A cell shown as "fewer than N" is in 0..N-1; a cell "not shown" is at least N (else it would be
    small); every shown number and every shown total must add up. Partial sums over a shown total
    cut the search short, so this stays quick on small tables.
    """
    keys = [(r, c) for r in table.rows for c in table.columns]
    hidden = [k for k in keys if table.cells[k].hidden]
    grand = table.total.shown
    limit = grand if grand is not None else 60

    def fits(values, complete):
        rows = {r: sum(values.get((r, c), 0) for c in table.columns) for r in table.rows}
        cols = {c: sum(values.get((r, c), 0) for r in table.rows) for c in table.columns}
        lines = [(table.row_totals[r], rows[r]) for r in table.rows]
        lines += [(table.column_totals[c], cols[c]) for c in table.columns]
        lines.append((table.total, sum(rows.values())))
        for total, got in lines:
            if total.shown is not None and (got > total.shown or (complete and got != total.shown)):
                return False
            if complete and total.hidden and (got < below) != total.small:
                return False
        return True

    def walk(i, values):
        if i == len(hidden):
            if fits(values, True):
                yield {k: values[k] for k in hidden}
            return
        key = hidden[i]
        options = range(0, below) if table.cells[key].small else range(below, limit + 1)
        for value in options:
            values[key] = value
            if fits(values, False):
                yield from walk(i + 1, values)
            else:
                break  # a bigger value only overshoots further
        values.pop(key, None)

    shown = {k: table.cells[k].shown for k in keys if not table.cells[k].hidden}
    yield from walk(0, dict(shown))


def _assert_no_small_cell_recovered(table, below, counts):
    # A small count of somebody (1..4) must not come out as one value; a 0 that does says only "nobody".
    hidden_small = [k for k in table.cells if table.cells[k].small and counts[k] > 0]
    seen = {k: set() for k in hidden_small}
    for solution in _solutions(table, below):
        for k in hidden_small:
            seen[k].add(solution[k])
    for k in hidden_small:
        assert len(seen[k]) > 1, f"cell {k} can be worked out from the totals: it must be {seen[k]}"


def test_a_small_count_is_hidden_and_the_total_does_not_give_it_away():
    counts = suppress_counts({"public": 3, "researcher": 12, "practitioner": 20})
    assert str(counts["public"]) == "fewer than 5"
    # Without a second hidden count, 35 - 12 - 20 = 3.
    assert counts["researcher"].hidden and str(counts["researcher"]) == SECONDARY_LABEL
    assert counts["practitioner"].shown == 20
    assert counts.total.shown == 35


def test_subtraction_from_the_totals_recovers_nothing():
    counts = {("Kent", "public"): 2, ("Kent", "staff"): 9, ("Surrey", "public"): 8, ("Surrey", "staff"): 7}
    table = suppress_table(["Kent", "Surrey"], ["public", "staff"], counts)
    # The naive version would hide only Kent/public: 11 - 9 = 2 gives it back.
    assert table.cell("Kent", "public").small
    for row in table.rows:
        members = [table.cell(row, c) for c in table.columns]
        if not table.row_totals[row].hidden:
            assert sum(cell.hidden for cell in members) != 1
    for column in table.columns:
        members = [table.cell(r, column) for r in table.rows]
        if not table.column_totals[column].hidden:
            assert sum(cell.hidden for cell in members) != 1
    _assert_no_small_cell_recovered(table, 5, counts)


def test_an_edge_the_line_rule_alone_misses_is_caught_by_the_attack():
    # Two hidden 4s on a line whose shown total leaves 8 for them: each is at most 4, so both must be 4.
    counts = suppress_counts({"a": 4, "b": 4, "c": 9})
    assert counts["a"].small and counts["b"].small
    assert counts["c"].hidden, "the 9 must go too, or a and b are given away"
    rest = counts.total.shown - sum(cell.shown for _, cell in counts.items() if not cell.hidden)
    possible_a = {a for a in range(5) for b in range(5) if rest - a - b >= 5}
    assert len(possible_a) > 1


def test_a_sparse_table_keeps_its_big_numbers():
    # Zeros are small counts too ("fewer than 5"), but a hidden cell that can only be 0 gives nobody away, so the
    # big numbers of a mostly empty table stay readable.
    rows, cols = ["kent", "surrey", "sussex", "medway"], ["public", "carer", "researcher", "practitioner"]
    counts = {("kent", "public"): 40, ("surrey", "carer"): 25, ("sussex", "researcher"): 30, ("medway", "practitioner"): 18}
    table = suppress_table(rows, cols, counts)
    assert [table.cell(r, c).shown for (r, c) in counts] == list(counts.values())
    assert str(table.cell("kent", "carer")) == "fewer than 5"
    full = {(r, c): counts.get((r, c), 0) for r in rows for c in cols}
    _assert_no_small_cell_recovered(table, 5, full)


@pytest.mark.parametrize("seed", range(24))
def test_random_tables_keep_every_small_cell_hidden_from_a_brute_force_attack(seed):
    rng = random.Random(seed)
    rows = ["r1", "r2"] if seed % 2 else ["r1", "r2", "r3"]
    cols = ["c1", "c2", "c3"] if seed % 3 else ["c1", "c2"]
    counts = {(r, c): rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 9, 12]) for r in rows for c in cols}
    table = suppress_table(rows, cols, counts)
    for (r, c), n in counts.items():
        if n < 5:
            assert table.cell(r, c).small and str(table.cell(r, c)) == "fewer than 5"
        else:
            assert table.cell(r, c).shown in (n, None)
    _assert_no_small_cell_recovered(table, 5, counts)


def test_the_threshold_comes_from_the_config(app):
    app.config["SUPPRESS_BELOW"] = 10
    with app.app_context():
        counts = suppress_counts({"a": 7, "b": 30, "c": 40})
        assert str(counts["a"]) == "fewer than 10"


def test_a_mean_from_too_few_people_is_hidden():
    assert guarded(2.5, 4).hidden
    assert str(guarded(2.5, 4)) == "fewer than 5"
    assert guarded(2.5, 5).shown == 2.5


def test_exports_carry_the_same_hidden_cells_as_the_page():
    table = suppress_table(["Kent"], ["public", "staff"], {("Kent", "public"): 1, ("Kent", "staff"): 30})
    rows = table.export_rows("Area")
    assert rows[0] == ["Area", "public", "staff", "Total"]
    assert "fewer than 5" in rows[1]
    flat = [v for row in rows for v in row]
    # With 31 in total and 1 hidden, 30 must not be printed beside it.
    assert not (31 in flat and 30 in flat)
