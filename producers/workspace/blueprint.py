"""The workspace's blueprint and its URL map, in one place.

Every screen's view lives in its own module (dashboard, products, stock…)
and is registered here explicitly; endpoints are ``producers.<name>``.
"""

from __future__ import annotations

from flask import Blueprint

from producers.workspace import (
    application,
    balance,
    bank,
    certificates,
    dashboard,
    discounts,
    files,
    inbox,
    invoices,
    lots,
    members,
    parcels,
    products,
    profile,
    reviews,
    sales,
    stock,
    team,
)
from producers.workspace.forms import LANG_LABELS

bp = Blueprint(
    "producers", __name__, template_folder="templates", url_prefix="/<lang:lang>/producer"
)

GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]

# home and the application to sell
bp.add_url_rule("/", "home", dashboard.home, methods=GET)
bp.add_url_rule("/apply", "apply", application.apply, methods=BOTH)
bp.add_url_rule("/apply/<slug>", "application", application.application, methods=BOTH)
bp.add_url_rule("/apply/<slug>/documents", "add_document", application.add_document, methods=POST)
bp.add_url_rule("/<slug>/documents/<int:document_id>", "document", files.document, methods=GET)

# dashboard
bp.add_url_rule("/<slug>/", "dashboard", dashboard.dashboard, methods=GET)

# products, their sizes and pictures
bp.add_url_rule("/<slug>/products", "products", products.products, methods=GET)
bp.add_url_rule("/<slug>/products/new", "new_product", products.new_product, methods=BOTH)
bp.add_url_rule(
    "/<slug>/products/<int:product_id>", "edit_product", products.edit_product, methods=BOTH
)
bp.add_url_rule(
    "/<slug>/products/<int:product_id>/status",
    "product_status",
    products.product_status,
    methods=POST,
)
bp.add_url_rule(
    "/<slug>/products/<int:product_id>/variants/new", "variant", products.variant, methods=BOTH
)
bp.add_url_rule(
    "/<slug>/products/<int:product_id>/variants/<int:variant_id>",
    "variant",
    products.variant,
    methods=BOTH,
)
bp.add_url_rule(
    "/<slug>/products/<int:product_id>/images", "upload_image", products.upload_image, methods=POST
)
bp.add_url_rule(
    "/<slug>/products/<int:product_id>/images/<int:image_id>/move",
    "move_image",
    products.move_image,
    methods=POST,
)
bp.add_url_rule(
    "/<slug>/products/<int:product_id>/images/<int:image_id>/delete",
    "delete_image",
    products.delete_image,
    methods=POST,
)

# stock and the catalog import
bp.add_url_rule("/<slug>/stock", "stock", stock.stock, methods=BOTH)
bp.add_url_rule("/<slug>/stock/import", "stock_import", stock.stock_import, methods=POST)
bp.add_url_rule("/<slug>/import", "catalog_import", stock.catalog_import, methods=BOTH)

# lots and their trace events
bp.add_url_rule("/<slug>/lots", "lots", lots.lots, methods=GET)
bp.add_url_rule("/<slug>/lots/new", "lot_form", lots.lot_form, methods=BOTH)
bp.add_url_rule("/<slug>/lots/<int:lot_id>/edit", "lot_form", lots.lot_form, methods=BOTH)
bp.add_url_rule("/<slug>/lots/<int:lot_id>", "lot_events", lots.lot_events, methods=BOTH)
bp.add_url_rule(
    "/<slug>/lots/<int:lot_id>/events/<int:sequence>/evidence",
    "lot_evidence",
    files.lot_evidence,
    methods=GET,
)

# sales figures and their CSV
bp.add_url_rule("/<slug>/sales", "sales", sales.sales, methods=GET)
bp.add_url_rule("/<slug>/sales/<figure>.csv", "sales_csv", sales.sales_csv, methods=GET)

# parcels
bp.add_url_rule("/<slug>/parcels", "parcels", parcels.parcels, methods=GET)
bp.add_url_rule(
    "/<slug>/parcels/<int:shipment_id>/slip", "packing_slip", parcels.packing_slip, methods=GET
)
bp.add_url_rule(
    "/<slug>/parcels/<int:shipment_id>/shipped",
    "parcel_shipped",
    parcels.parcel_shipped,
    methods=POST,
)
bp.add_url_rule(
    "/<slug>/parcels/<int:shipment_id>/out-for-delivery",
    "parcel_out_for_delivery",
    parcels.parcel_out_for_delivery,
    methods=POST,
)
bp.add_url_rule(
    "/<slug>/parcels/<int:shipment_id>/delivered",
    "parcel_delivered",
    parcels.parcel_delivered,
    methods=POST,
)
# cash on delivery: a parcel refused at the door; the manager's "new parcel" notices
bp.add_url_rule(
    "/<slug>/parcels/<int:shipment_id>/refused",
    "parcel_refused",
    parcels.parcel_refused,
    methods=POST,
)
bp.add_url_rule("/<slug>/parcels/notices", "parcel_notices", parcels.parcel_notices, methods=POST)

# messages: shoppers' questions and messages about orders (orders/threads)
bp.add_url_rule("/<slug>/inbox", "inbox", inbox.inbox, methods=GET)
bp.add_url_rule("/<slug>/inbox/<int:thread_id>", "inbox_thread", inbox.inbox_thread, methods=BOTH)
bp.add_url_rule(
    "/<slug>/inbox/<int:thread_id>/report", "inbox_report", inbox.inbox_report, methods=POST
)
bp.add_url_rule(
    "/<slug>/inbox/<int:thread_id>/photos/<int:message_id>",
    "inbox_photo",
    inbox.inbox_photo,
    methods=GET,
)

# profile, certificates, members, team
bp.add_url_rule("/<slug>/profile", "profile", profile.profile, methods=BOTH)
bp.add_url_rule("/<slug>/profile/legal", "legal", profile.legal, methods=BOTH)
bp.add_url_rule("/<slug>/invoices", "invoices", invoices.invoices, methods=GET)
bp.add_url_rule(
    "/<slug>/invoices/<int:invoice_id>.pdf", "invoice_pdf", invoices.invoice_pdf, methods=GET
)
bp.add_url_rule("/<slug>/certificates", "certificates", certificates.certificates, methods=BOTH)
bp.add_url_rule(
    "/<slug>/certificates/<int:certificate_id>/document",
    "certificate_document",
    files.certificate_document,
    methods=GET,
)
bp.add_url_rule("/<slug>/members", "members", members.members, methods=BOTH)
bp.add_url_rule("/<slug>/members/<int:member_id>", "members", members.members, methods=BOTH)
bp.add_url_rule(
    "/<slug>/members/<int:member_id>/delete", "delete_member", members.delete_member, methods=POST
)
bp.add_url_rule("/<slug>/team", "team", team.team, methods=BOTH)
# discount codes for the cooperative's own products, at its cost (orders.discounts)
bp.add_url_rule("/<slug>/discounts", "discounts", discounts.discounts, methods=BOTH)
bp.add_url_rule(
    "/<slug>/discounts/<int:code_id>/deactivate",
    "discount_deactivate",
    discounts.discount_deactivate,
    methods=POST,
)
bp.add_url_rule(
    "/<slug>/team/<int:membership_id>/remove", "remove_manager", team.remove_manager, methods=POST
)

# money: bank details, balance, statements, member distribution
bp.add_url_rule("/<slug>/bank", "bank", bank.bank, methods=BOTH)
bp.add_url_rule("/<slug>/balance", "balance", balance.balance, methods=GET)
bp.add_url_rule(
    "/<slug>/statements/<int:year>/<int:month>", "statement", balance.statement, methods=GET
)
bp.add_url_rule(
    "/<slug>/statements/<int:year>/<int:month>.csv",
    "statement_csv",
    balance.statement_csv,
    methods=GET,
)
bp.add_url_rule("/<slug>/distribution", "distribution", balance.distribution, methods=GET)
bp.add_url_rule(
    "/<slug>/distribution/reserve",
    "distribution_reserve",
    balance.distribution_reserve,
    methods=POST,
)
bp.add_url_rule(
    "/<slug>/distribution.csv", "distribution_csv", balance.distribution_csv, methods=GET
)


@bp.context_processor
def workspace_context() -> dict:
    """The language names the workspace's forms show beside their text fields."""
    return {"lang_labels": LANG_LABELS}


# verified buyers' reviews and the cooperative's answers
bp.add_url_rule("/<slug>/reviews", "reviews", reviews.reviews, methods=GET)
bp.add_url_rule(
    "/<slug>/reviews/<int:review_id>/reply", "review_reply", reviews.reply, methods=POST
)
