"""``flask serve``: the development server ``make run`` uses, without version banners.

Werkzeug's server answers every request with ``Server: Werkzeug/x.y
Python/x.y``, which tells a visitor which known bugs to try. Flask's built-in
``run`` command cannot be given another request handler, so ``make run``
uses this command instead. Production runs gunicorn behind the reverse proxy,
which replaces the ``Server`` header (README, Deploying).
"""

from __future__ import annotations

import click
from flask import current_app
from werkzeug.serving import WSGIRequestHandler, run_simple


class QuietRequestHandler(WSGIRequestHandler):
    """Werkzeug's handler minus the ``Server`` header."""

    def send_header(self, keyword: str, value: str) -> None:
        if keyword.lower() == "server":
            return
        super().send_header(keyword, value)


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default: HOST).")
@click.option("--port", default=None, type=int, help="Port (default: PORT).")
@click.option("--reload", is_flag=True, help="Restart when a source file changes.")
def serve_command(host: str | None, port: int | None, reload: bool) -> None:
    """Run the development server (never in production)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["ENVIRONMENT"] == "production":
        raise click.ClickException(
            "flask serve is the development server; set TAAWON_ENV=development, or serve "
            "production with gunicorn behind the reverse proxy (README, Deploying)."
        )
    host = host or app.config["HOST"]
    port = port or app.config["PORT"]
    click.echo(f" * Taawon ({app.config['ENVIRONMENT']}) on {app.config['PUBLIC_BASE_URL']}")
    run_simple(
        host,
        port,
        app,
        use_reloader=reload,
        use_debugger=False,
        threaded=True,
        request_handler=QuietRequestHandler,
    )
