"""Query plans of every benchmark page on the large dataset: does each statement use an index where
it filters or sorts?

    .venv/bin/python bench/plans.py                  # PostgreSQL (the bench database), then exit 1 on a problem
    .venv/bin/python bench/plans.py --db sqlite
    .venv/bin/python bench/plans.py --verbose        # print every plan

Each page of bench/run.py is requested in process, rendered afresh (no If-None-Match), as the member
the benchmark uses; every SELECT it runs is planned by the database as it would really run it on the
large demo data (PostgreSQL: EXPLAIN (FORMAT JSON) with the planner's own choices; SQLite: EXPLAIN
QUERY PLAN). Then the busy day's writes (bench/run.py's Writer: a self check-in, a register mark, three
enrolment steps, a download) are made for real over HTTP against the app served in this process, and every
statement they run that reads rows (SELECT, UPDATE, DELETE, INSERT ... SELECT or ON CONFLICT) is planned the
same way. A problem is a full read of a big table (more than BIG_TABLE rows) or, on PostgreSQL, a
sort of more than BIG_SORT rows (an order an index should have given). Small tables (a row per
plugin, the generation row) are read whole by design.
"""
import argparse
import json
import os
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

BIG_TABLE = 10_000
BIG_SORT = 5_000


def walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


def postgres_problems(cursor, statement, parameters, sizes):
    cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
    plan = cursor.fetchone()[0]
    plan = plan[0]["Plan"] if isinstance(plan, list) else json.loads(plan)[0]["Plan"]
    found = []
    for node in walk(plan):
        if node["Node Type"] == "Seq Scan" and sizes.get(node["Relation Name"], 0) > BIG_TABLE:
            found.append(f"Seq Scan on {node['Relation Name']} ({sizes[node['Relation Name']]:,} rows)")
        if node["Node Type"] in ("Sort", "Incremental Sort") and node["Plan Rows"] > BIG_SORT:
            found.append(f"{node['Node Type']} of about {node['Plan Rows']:,} rows by {node.get('Sort Key')}")
    return found, plan


def sqlite_problems(cursor, statement, parameters, sizes):
    import re

    cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
    lines = [row[-1] for row in cursor.fetchall()]
    found = []
    for line in lines:
        match = re.match(r"SCAN (\w+)( USING (COVERING )?INDEX \w+)?$", line)
        if match and sizes.get(match.group(1), 0) > BIG_TABLE:
            found.append(f"{line} ({sizes[match.group(1)]:,} rows)")
    return found, lines


def table_sizes(cursor, postgres, tables):
    sizes = {}
    for table in tables:
        if postgres:
            cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", (table,))
            row = cursor.fetchone()
            sizes[table] = row[0] if row else 0
        else:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            sizes[table] = cursor.fetchone()[0]
    return sizes


def reads_rows(statement):
    """A statement worth planning: it finds rows (a plain INSERT ... VALUES has nothing to plan)."""
    head = statement.lstrip().upper()
    if head.startswith(("SELECT", "WITH", "UPDATE", "DELETE")):
        return True
    return head.startswith("INSERT") and (" SELECT " in head or "ON CONFLICT" in head)


def report_page(name, captured, cursor, sizes, check, verbose, postgres):
    """Plan every captured statement; print the page's line and its problems; return how many."""
    page_problems = []
    for statement, parameters in captured:
        found, plan = check(cursor, statement, parameters, sizes)
        if found:
            page_problems.append((found, statement, plan))
        if verbose:
            print(f"\n-- {name}\n{statement}\n{json.dumps(plan, indent=1) if postgres else plan}")
    verdict = "uses indexes" if not page_problems else f"{len(page_problems)} statement(s) to look at"
    print(f"{name:<52} {len(captured):>3} statements  {verdict}")
    for found, statement, _ in page_problems:
        print(f"    {'; '.join(found)}\n      in: {' '.join(statement.split())[:400]}")
    return len(page_problems)


def plan_writes(app, engine, busy, captured, record, cursor, sizes, check, args):
    """The busy day's writes, each made once for real (they commit, as in the benchmark) through the app served
    on a loopback port in this process, so their statements are captured here."""
    import threading

    import run
    from sqlalchemy import event
    from werkzeug.serving import WSGIRequestHandler, make_server

    class Quiet(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    few = dict(busy, checkin_members=busy["checkin_members"][:2], enrol_members=busy["enrol_members"][:1])
    problems = 0
    try:
        writer = run.Writer(run.WriterPool(base, few, facilitator_sessions=1), rate=1)
        steps = [("check-in", writer._check_in), ("register mark", writer._register_mark)]
        steps += [(f"enrolment step {n}", writer._enrolment) for n in (1, 2, 3)] + [("download", writer._download)]
        postgres = engine.dialect.name == "postgresql"
        for kind, write in steps:
            captured.clear()
            event.listen(engine, "before_cursor_execute", record)
            try:
                outcome, detail = write()
            finally:
                event.remove(engine, "before_cursor_execute", record)
            assert outcome in ("done", "unchanged"), (kind, outcome, detail)
            problems += report_page(f"Write: {kind} ({outcome})", list(captured), cursor, sizes, check,
                                    args.verbose, postgres)
    finally:
        server.shutdown()
    return problems


def main():
    global BIG_TABLE, BIG_SORT
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--big-table", type=int, default=BIG_TABLE, help=f"rows (default {BIG_TABLE:,})")
    parser.add_argument("--no-writes", action="store_true", help="plan the pages only")
    parser.add_argument("--big-sort", type=int, default=BIG_SORT, help=f"rows (default {BIG_SORT:,})")
    args = parser.parse_args()
    BIG_TABLE, BIG_SORT = args.big_table, args.big_sort

    import run

    url = run.DATABASES[args.db]
    if args.db == "postgresql" and not run.ensure_postgres_database(url):
        sys.exit("no PostgreSQL bench database")
    facts = run.prepare(args.db, url, busy_day=not args.no_writes)
    os.environ.update({"COPRACTICE_ENV": "development", "COPRACTICE_DATABASE_URL": url})

    from sqlalchemy import event, select

    from copractice import create_app
    from copractice.extensions import db
    from copractice.members.models import Member

    app = create_app()  # anonymous pages also run their ETag validators: planned too
    with app.app_context():
        engine = db.engine
        postgres = engine.dialect.name == "postgresql"
        ids = {email: db.session.scalar(select(Member).where(Member.email == email)).get_id()
               for email in ("trainee@example.org", "facilitator@example.org")}
    captured = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not executemany and reads_rows(statement):
            captured.append((statement, parameters))

    problems = 0
    raw = engine.raw_connection()
    cursor = raw.cursor()
    sizes = table_sizes(cursor, postgres, db.metadata.tables)
    check = postgres_problems if postgres else sqlite_problems
    for name, path, who in run.pages(facts):
        client = app.test_client()
        if who:
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"] = ids[who], True
        captured.clear()
        event.listen(engine, "before_cursor_execute", record)
        try:
            status = client.get(path).status_code
        finally:
            event.remove(engine, "before_cursor_execute", record)
        assert status == 200, (name, status)
        problems += report_page(name, captured, cursor, sizes, check, args.verbose, postgres)
    if not args.no_writes:
        problems += plan_writes(app, engine, facts["busy_day"], captured, record, cursor, sizes, check, args)
    raw.rollback()
    raw.close()
    print(f"\n{args.db}: {problems} statement(s) read a big table whole or sort many rows")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
