"""Where one page's time goes: its SQL statements with their times (and query plans), and a pyinstrument profile.

    COPRACTICE_DATABASE_URL=sqlite:///bench/data/copractice_bench.sqlite3 \\
        .venv/bin/python bench/profile_page.py '/resources?q=carers&type=guide&audience=carer'
    ... bench/profile_page.py /learning --as trainee@example.org --explain

Runs the request in-process with Flask's test client (logged in without the form, straight into the
session), after one warm-up request. pyinstrument is optional: pip install pyinstrument.
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path")
    parser.add_argument("--as", dest="email", help="log in as this member")
    parser.add_argument("--explain", action="store_true", help="print each statement's query plan")
    parser.add_argument("--repeat", type=int, default=5, help="timed requests (default 5)")
    args = parser.parse_args()

    from sqlalchemy import event, select

    from copractice import create_app
    from copractice.extensions import db
    from copractice.members.models import Member

    app = create_app({"HTTP_CACHE_SECONDS": 0})  # render every time: the page's own cost
    client = app.test_client()
    if args.email:
        with app.app_context():
            member = db.session.scalar(select(Member).where(Member.email == args.email))
            user_id = member.get_id()
        with client.session_transaction() as session:
            session["_user_id"] = user_id
            session["_fresh"] = True
    statements = []

    with app.app_context():
        engine = db.engine

    def before(conn, cursor, statement, parameters, context, executemany):
        conn.info.setdefault("started", []).append(time.perf_counter())

    def after(conn, cursor, statement, parameters, context, executemany):
        statements.append((time.perf_counter() - conn.info["started"].pop(), statement, parameters))

    assert client.get(args.path).status_code == 200, "the page did not answer 200"
    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    times = []
    for _ in range(args.repeat):
        statements.clear()
        started = time.perf_counter()
        response = client.get(args.path)
        times.append(time.perf_counter() - started)
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    times.sort()
    sql_total = sum(s[0] for s in statements)
    print(f"{args.path}: {response.status_code}, {len(response.data):,} bytes, median {times[len(times) // 2] * 1000:.1f} ms "
          f"over {args.repeat}; {len(statements)} statements taking {sql_total * 1000:.1f} ms")
    for seconds, statement, parameters in sorted(statements, key=lambda s: -s[0]):
        print(f"\n-- {seconds * 1000:.1f} ms  params={parameters!r:.200}\n{statement}")
        if args.explain:
            with app.app_context():
                dialect = db.engine.dialect.name
                prefix = "EXPLAIN (ANALYZE, BUFFERS) " if dialect == "postgresql" else "EXPLAIN QUERY PLAN "
                with db.engine.connect() as conn:
                    raw = conn.connection.driver_connection.cursor()
                    raw.execute(prefix + statement, parameters)
                    for row in raw.fetchall():
                        print("   ", " | ".join(str(v) for v in row))
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("\n(pip install pyinstrument for a profile)")
        return
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.repeat):
        client.get(args.path)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False, show_all=False))


if __name__ == "__main__":
    main()
