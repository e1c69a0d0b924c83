"""The back office's blueprint: every admin view, registered here by name.

The view modules only define functions; this module is the one place that
says which URL reaches which view (indico's ``blueprint.py`` style), so no
module needs importing for its side effect.
"""

from __future__ import annotations

from flask import Blueprint

from producers.admin import (
    audit,
    carriers,
    certificates,
    cod,
    cooperatives,
    discounts,
    documents,
    invoices,
    orders,
    overview,
    payouts,
    policy,
    reviews,
    threads,
)

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/<lang:lang>/admin")

bp.context_processor(cooperatives.admin_helpers)
bp.context_processor(payouts.payout_helpers)

POST = ["POST"]

# cooperatives: the home page, the approval queue, decisions
bp.add_url_rule("/", "index", overview.index)
bp.add_url_rule("/figures/<figure>.csv", "figures_csv", overview.figures_csv)
bp.add_url_rule("/cooperatives", "cooperatives", cooperatives.cooperatives)
bp.add_url_rule("/cooperatives/<int:id>", "cooperative", cooperatives.cooperative)
bp.add_url_rule("/cooperatives/<int:id>/decide", "decide", cooperatives.decide, methods=POST)
bp.add_url_rule("/cooperatives/<int:id>/slug", "cooperative_slug", cooperatives.slug, methods=POST)
bp.add_url_rule("/documents/<int:id>", "document", documents.document)
bp.add_url_rule("/audit", "audit", audit.audit)
bp.add_url_rule("/certificates", "certificates", certificates.certificates)
bp.add_url_rule(
    "/certificates/<int:certificate_id>/document",
    "certificate_document",
    documents.certificate_document,
)
bp.add_url_rule(
    "/lots/<int:lot_id>/events/<int:sequence>/evidence", "lot_evidence", documents.lot_evidence
)

# orders
bp.add_url_rule("/orders", "orders", orders.orders)
bp.add_url_rule("/orders/<number>", "order", orders.order)
bp.add_url_rule("/orders/<number>/refund", "order_refund", orders.order_refund, methods=POST)
bp.add_url_rule("/orders/<number>/cancel", "order_cancel", orders.order_cancel, methods=POST)
bp.add_url_rule(
    "/orders/<number>/cash-remitted",
    "order_cash_remitted",
    orders.order_cash_remitted,
    methods=POST,
)
bp.add_url_rule(
    "/orders/<number>/parcels/<int:shipment_id>/status",
    "parcel_status",
    carriers.parcel_status,
    methods=POST,
)

# discount codes the platform funds (orders.discounts)
bp.add_url_rule("/discounts", "discounts", discounts.discounts, methods=["GET", "POST"])
bp.add_url_rule(
    "/discounts/<int:code_id>/deactivate",
    "discount_deactivate",
    discounts.discount_deactivate,
    methods=POST,
)

# carriers, their status files and cash-on-delivery remittance statements
bp.add_url_rule("/carriers", "carriers", carriers.carriers_list, methods=["GET", "POST"])
bp.add_url_rule("/carriers/<int:carrier_id>", "carrier", carriers.carrier, methods=["GET", "POST"])
bp.add_url_rule(
    "/carriers/<int:carrier_id>/active", "carrier_active", carriers.carrier_active, methods=POST
)
bp.add_url_rule("/carriers/files", "carrier_files", carriers.carrier_files)
bp.add_url_rule("/carriers/files/statuses", "status_import", carriers.status_import, methods=POST)
bp.add_url_rule(
    "/carriers/files/remittances", "remittance_import", carriers.remittance_import, methods=POST
)

# invoices, credit notes, commission invoices
bp.add_url_rule("/invoices", "invoices", invoices.invoices)
bp.add_url_rule("/invoices/<int:invoice_id>.pdf", "invoice_pdf", invoices.invoice_pdf)
# cash on delivery: staff's call, parcels refused at the door, the weekly rates
bp.add_url_rule("/orders/<number>/phone", "order_phone", cod.order_phone, methods=POST)
bp.add_url_rule(
    "/orders/<number>/refused", "order_parcel_refused", cod.order_parcel_refused, methods=POST
)
bp.add_url_rule("/cash-on-delivery", "cod_rates", cod.cod_rates)

# the fair-trade policy and floor prices
bp.add_url_rule("/policy", "policy", policy.policy)
bp.add_url_rule("/policy/publish", "publish_policy", policy.publish_policy, methods=POST)
bp.add_url_rule("/policy/floors", "floors", policy.floors)
bp.add_url_rule("/policy/floors/add", "add_floor", policy.add_floor, methods=POST)
bp.add_url_rule("/policy/floors/<int:floor_id>", "update_floor", policy.update_floor, methods=POST)
bp.add_url_rule(
    "/policy/floors/<int:floor_id>/delete", "delete_floor", policy.delete_floor, methods=POST
)

# payouts
bp.add_url_rule("/payouts", "payouts", payouts.payouts)
bp.add_url_rule("/payouts/run", "run_payouts", payouts.run_payouts, methods=POST)
bp.add_url_rule("/payouts/<int:batch_id>", "payout_batch", payouts.payout_batch)
bp.add_url_rule("/payouts/<int:batch_id>/bank.csv", "payout_bank_csv", payouts.payout_bank_csv)
bp.add_url_rule(
    "/payouts/<int:batch_id>/<int:payout_id>/paid", "payout_paid", payouts.payout_paid, methods=POST
)
bp.add_url_rule(
    "/payouts/<int:batch_id>/<int:payout_id>/failed",
    "payout_failed",
    payouts.payout_failed,
    methods=POST,
)
bp.add_url_rule(
    "/payouts/<int:batch_id>/<int:payout_id>/send", "payout_send", payouts.payout_send, methods=POST
)

# reported conversations (orders/threads): the only ones administrators may read
bp.add_url_rule("/threads", "threads", threads.threads)
bp.add_url_rule("/threads/<int:thread_id>", "thread", threads.thread)
bp.add_url_rule(
    "/threads/<int:thread_id>/photos/<int:message_id>", "thread_photo", threads.thread_photo
)
# reviews: reported ones, hide or restore with a reason (audited)
bp.add_url_rule("/reviews", "reviews", reviews.reviews)
bp.add_url_rule("/reviews/<int:review_id>/hide", "review_hide", reviews.review_hide, methods=POST)
bp.add_url_rule(
    "/reviews/<int:review_id>/restore", "review_restore", reviews.review_restore, methods=POST
)
