"""The bare Flask route every page of ``bench_pages.py`` is compared with.

An application with one route that returns a short text: no database, no
template, no extension. What it serves per second under gunicorn is the
framework's own limit on this machine at this moment.

    gunicorn --pythonpath bench -w 2 hello:app
"""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
