"""Reported conversations: the only threads an administrator may read.

A thread nobody reported is 404 here, as everywhere else for an
administrator; each reading of a reported one is written to the audit log
(``thread.read``), photos included (``thread.photo``).
"""

from __future__ import annotations

from flask import abort, render_template
from flask_login import current_user

from orders.threads import queries
from orders.threads.models import Thread
from orders.threads.views import send_photo
from producers.admin.listing import PER_PAGE, page_args, page_number
from shop.accounts import admin_required
from shop.audit import audit
from shop.extensions import db


@admin_required
def threads():
    """The reported threads, the latest report first."""
    page = db.paginate(queries.reported(), page=page_number(), per_page=PER_PAGE, error_out=False)
    return render_template("admin/threads.html", page=page, page_args=page_args())


def _reported(thread_id: int) -> Thread:
    thread = queries.reported_one(thread_id)
    if thread is None:
        abort(404)
    return thread


@admin_required
def thread(thread_id: int):
    """A reported thread, read by an administrator (audited)."""
    found = _reported(thread_id)
    audit(current_user, "thread.read", found, label=found.subject[:200])
    db.session.commit()
    return render_template("admin/thread.html", thread=found)


@admin_required
def thread_photo(thread_id: int, message_id: int):
    """A photo of a reported thread (audited)."""
    found = _reported(thread_id)
    audit(current_user, "thread.photo", found, label=found.subject[:200], message=message_id)
    db.session.commit()
    return send_photo(found, message_id)
