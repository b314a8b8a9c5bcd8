"""Count the SQL statements a request runs, to hold pages to a budget that does not grow with the data."""
from contextlib import contextmanager

from sqlalchemy import event

from copractice.extensions import db


@contextmanager
def counted_queries(app):
    """Yield a list that fills with every SQL statement run while the block runs."""
    with app.app_context():
        engine = db.engine
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def queries_for(app, client, url):
    """(status, number of statements) for one GET."""
    with counted_queries(app) as statements:
        response = client.get(url)
    return response.status_code, len(statements)
