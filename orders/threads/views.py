"""The shopper's side: ask a question, write about an order, read and answer threads.

Its own blueprint, ``threads``, at ``/<lang>/messages``: every page is
personal (``private, no-store``) and needs an account (a guest is sent to the
login page, then back). The product page (cached) links to ``ask``; the
order page lists a link per cooperative of the order.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from catalog.models import Product, ProductStatus
from producers.models import Cooperative, CooperativeStatus
from shop.actions import commit_or_flash
from shop.extensions import db
from shop.params import query_page
from shop.private_files import send_private

from ..models import Order
from . import limits, queries, services
from .exceptions import TooManyMessages
from .forms import MessageForm, ReportForm
from .models import Thread, ThreadMessage

bp = Blueprint("threads", __name__, template_folder="templates", url_prefix="/<lang:lang>/messages")


@bp.after_request
def personal(response: Response) -> Response:
    """Conversations are nobody's but their people's: no cache keeps them."""
    response.headers["Cache-Control"] = "private, no-store"
    return response


def status_of(outcome) -> int:
    """429 for a rate limit, else 200 (a form shown again with its input)."""
    return 429 if isinstance(outcome.error, TooManyMessages) else 200


def send_message(form: MessageForm, write, *, new_thread: bool):
    """Count the message against the limits, then write it; the outcome and the result."""
    result = None
    with commit_or_flash(_("Your message is sent.")) as outcome:
        limits.take(current_user.id, request.remote_addr, new_thread=new_thread)
        result = write(form.body.data, form.photo_bytes())
    return outcome, result


@bp.route("/")
@login_required
def inbox():
    """The shopper's conversations, the most recently active first."""
    page = db.paginate(
        queries.of_shopper(current_user.id),
        page=query_page(),
        per_page=queries.PAGE_SIZE,
        error_out=False,
    )
    return render_template("threads/list.html", page=page)


@bp.route("/ask/<int:product_id>", methods=["GET", "POST"])
@login_required
def ask(product_id: int):
    """Ask the cooperative a question about one of its products."""
    product = db.session.scalar(
        select(Product)
        .join(Cooperative, Cooperative.id == Product.cooperative_id)
        .where(
            Product.id == product_id,
            Product.status == ProductStatus.PUBLISHED,
            Cooperative.status == CooperativeStatus.APPROVED,
        )
    )
    if product is None:
        abort(404)
    form = MessageForm()
    status = 200
    if form.validate_on_submit():
        outcome, thread = send_message(
            form,
            lambda body, photo: services.start_about_product(current_user, product, body, photo),
            new_thread=True,
        )
        if outcome.ok:
            return redirect(url_for(".thread", thread_id=thread.id), 303)
        status = status_of(outcome)
    return render_template(
        "threads/ask.html",
        form=form,
        product=product,
        cooperative=product.cooperative,
        masked=not services.placed_between(current_user.id, product.cooperative_id),
    ), status


@bp.route("/order/<number>/<int:cooperative_id>", methods=["GET", "POST"])
@login_required
def about_order(number: str, cooperative_id: int):
    """Write to one of the order's cooperatives (its thread if there is one already)."""
    order = db.session.scalar(
        select(Order).where(Order.number == number, Order.user_id == current_user.id)
    )
    cooperative = db.session.get(Cooperative, cooperative_id)
    if (
        order is None
        or cooperative is None
        or all(s.cooperative_id != cooperative_id for s in order.shipments)
    ):
        abort(404)
    existing = services.thread_about_order(current_user, order, cooperative)
    if existing is not None and request.method == "GET":
        return redirect(url_for(".thread", thread_id=existing.id))
    form = MessageForm()
    status = 200
    if form.validate_on_submit():
        outcome, thread = send_message(
            form,
            lambda body, photo: services.start_about_order(
                current_user, order, cooperative, body, photo
            ),
            new_thread=existing is None,
        )
        if outcome.ok:
            return redirect(url_for(".thread", thread_id=thread.id), 303)
        status = status_of(outcome)
    return render_template(
        "threads/ask.html",
        form=form,
        order=order,
        cooperative=cooperative,
        masked=not services.placed_between(current_user.id, cooperative_id),
    ), status


def _shoppers_thread(thread_id: int) -> Thread:
    thread = queries.for_shopper(thread_id, current_user.id)
    if thread is None:
        abort(404)
    return thread


def render_thread(thread: Thread, form: MessageForm, status: int = 200):
    """The shopper's thread page, with its reply and report forms."""
    return render_template(
        "threads/thread.html",
        thread=thread,
        form=form,
        report_form=ReportForm(),
        masked=not services.placed_between(thread.shopper_id, thread.cooperative_id),
    ), status


@bp.route("/<int:thread_id>", methods=["GET", "POST"])
@login_required
def thread(thread_id: int):
    """A conversation, and the shopper's answer."""
    found = _shoppers_thread(thread_id)
    form = MessageForm()
    if form.validate_on_submit():
        outcome, _message = send_message(
            form,
            lambda body, photo: services.add_message(found, current_user, body, photo),
            new_thread=False,
        )
        if outcome.ok:
            return redirect(url_for(".thread", thread_id=found.id), 303)
        return render_thread(found, form, status_of(outcome))
    return render_thread(found, form)


@bp.route("/<int:thread_id>/report", methods=["POST"])
@login_required
def report(thread_id: int):
    """The shopper reports the conversation to the platform's team."""
    found = _shoppers_thread(thread_id)
    form = ReportForm()
    if form.validate_on_submit():
        with commit_or_flash(_("Thank you: the Taawon team will read this conversation.")):
            services.report(found, current_user, form.reason.data)
    return redirect(url_for(".thread", thread_id=found.id), 303)


@bp.route("/<int:thread_id>/photos/<int:message_id>")
@login_required
def photo(thread_id: int, message_id: int):
    """A photo sent in the shopper's conversation."""
    found = _shoppers_thread(thread_id)
    return send_photo(found, message_id)


def send_photo(thread: Thread, message_id: int):
    """A message's photo, once the route checked who may see ``thread``."""
    message = db.session.get(ThreadMessage, message_id)
    if message is None or message.thread_id != thread.id or not message.image_name:
        abort(404)
    return send_private(message.image_name, download_name=f"photo-{message.id}.jpg")
