"""Questions and messages between shoppers and cooperatives (issue #18).

``models.py`` (threads, messages, response times), ``masking.py`` (phones and
e-mails hidden before an order), ``limits.py`` (rate limits), ``services.py``,
``queries.py``, ``forms.py``, ``views.py`` (the shopper's side, blueprint
``threads``). The cooperative's inbox is ``producers/workspace/inbox.py``, the
back office's reported threads ``producers/admin/threads.py``.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The blueprint, the limits, the profile's figure, the daily job, the page cache's watch."""
    from flask_babel import lazy_gettext as _l

    from shop import jobs
    from shop.navigation import NavLink, add_link
    from shop.pagecache import watch

    from . import models
    from .jobs import refresh_response_times
    from .limits import init_limits
    from .services import response_minutes
    from .views import bp

    app.register_blueprint(bp)
    init_limits(app)
    app.config.setdefault("THREADS_IMAGE_MAX_BYTES", 5 * 1024 * 1024)
    # The cooperative profile (cached) shows it: a changed figure renews the pages.
    app.add_template_global(response_minutes, "response_minutes")
    watch(models.ResponseTime, ignore=("computed_at",))
    jobs.every(app, 24 * 60 * 60, refresh_response_times)
    add_link(app, "account", NavLink("threads.inbox", _l("My messages")))
