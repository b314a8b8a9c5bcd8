"""The reference for the load benchmark: the smallest Flask app, served by gunicorn exactly like copractice.

Each page's requests per second are compared with this one's, so the targets hold on any machine.
"""
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    """A few bytes of text: what Flask and gunicorn cost on their own."""
    return "Hello, world!"
