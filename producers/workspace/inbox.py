"""The cooperative's inbox: its threads, unanswered first, and its answers.

Every route is behind ``workspace()`` (its managers only, read-only while
suspended); a thread of another cooperative is 404. Answers count against
the threads' rate limits like anyone's, and are masked the same way before
an order (``orders.threads.services.add_message``).
"""

from __future__ import annotations

from flask import abort, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from orders.threads import queries, services
from orders.threads.forms import MessageForm, ReportForm
from orders.threads.models import Thread
from orders.threads.views import send_message, send_photo, status_of
from producers.workspace.access import workspace
from shop.actions import commit_or_flash
from shop.extensions import db
from shop.params import query_page


@workspace()
def inbox():
    """The cooperative's conversations: those waiting for its answer first."""
    page = db.paginate(
        queries.inbox(g.coop.id), page=query_page(), per_page=queries.PAGE_SIZE, error_out=False
    )
    return render_template("producers/inbox.html", coop=g.coop, page=page)


def _thread(thread_id: int) -> Thread:
    thread = queries.for_cooperative(thread_id, g.coop.id)
    if thread is None:
        abort(404)
    return thread


def _render(thread: Thread, form: MessageForm, status: int = 200):
    return render_template(
        "producers/inbox_thread.html",
        coop=g.coop,
        thread=thread,
        form=form,
        report_form=ReportForm(),
        masked=not services.placed_between(thread.shopper_id, thread.cooperative_id),
    ), status


@workspace()
def inbox_thread(thread_id: int):
    """One conversation, and the cooperative's answer."""
    thread = _thread(thread_id)
    form = MessageForm()
    if form.validate_on_submit():
        outcome, _message = send_message(
            form,
            lambda body, photo: services.add_message(
                thread, current_user, body, photo, from_cooperative=True
            ),
            new_thread=False,
        )
        if outcome.ok:
            return redirect(url_for(".inbox", slug=g.coop.slug), 303)
        return _render(thread, form, status_of(outcome))
    return _render(thread, form)


@workspace()
def inbox_report(thread_id: int):
    """A manager reports the conversation to the platform's team."""
    thread = _thread(thread_id)
    form = ReportForm()
    if form.validate_on_submit():
        with commit_or_flash(_("Thank you: the Taawon team will read this conversation.")):
            services.report(thread, current_user, form.reason.data)
    return redirect(url_for(".inbox_thread", slug=g.coop.slug, thread_id=thread.id), 303)


@workspace()
def inbox_photo(thread_id: int, message_id: int):
    """A photo sent in one of the cooperative's conversations."""
    return send_photo(_thread(thread_id), message_id)
