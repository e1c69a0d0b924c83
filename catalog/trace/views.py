"""Public traceability pages: trace page, label, QR codes, Digital Link, EPCIS export."""

from __future__ import annotations

import io
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from flask import Blueprint, Flask, Response, abort, redirect, render_template, request, url_for
from flask_babel import format_date, format_time, ngettext

from shop.i18n import best_language, current_language, format_number, pick
from shop.pagecache import cacheable

from ..presentation import variant_label
from .epcis import epcis_document
from .evidence import evidence_url, send_evidence
from .identifiers import find_lot_by_gtin, qr_code, qr_url
from .models import Lot
from .queries import contribution_summary, lots_on_sale, public_lot, timeline, verify_chain
from .vocabulary import MATERIAL_LOT, MATERIALS, STEP_LABELS, UOM_LABELS, Step

bp = Blueprint("trace", __name__, template_folder="templates")

#: QR codes change only if a GTIN is added or the host changes: a day is plenty.
QR_MAX_AGE = 24 * 3600

#: The equirectangular projection static/img/morocco.svg is drawn in:
#: west, north edges, pixels per degree, and cos(28.3°) to keep shapes right.
MAP_WEST, MAP_NORTH, MAP_SCALE, MAP_COS = -17.3, 36.0, 20.0, 0.88
MAP_WIDTH, MAP_HEIGHT = 289, 308


def map_point(latitude: Decimal | None, longitude: Decimal | None) -> tuple[float, float] | None:
    """Where a GPS position falls on the static map, or None off the map."""
    if latitude is None or longitude is None:
        return None
    x = (float(longitude) - MAP_WEST) * MAP_SCALE * MAP_COS
    y = (MAP_NORTH - float(latitude)) * MAP_SCALE
    if not (0 <= x <= MAP_WIDTH and 0 <= y <= MAP_HEIGHT):
        return None
    return round(x, 1), round(y, 1)


def _lot_or_404(public_id: str) -> Lot:
    lot = public_lot(public_id)
    if lot is None:
        abort(404)
    return lot


@bp.route("/<lang:lang>/trace/<public_id>")
@cacheable
def page(public_id: str):
    """A lot's story: timeline, origin map, certifications, contributors, chain check."""
    lot = _lot_or_404(public_id)
    status = verify_chain(lot, lot.events)
    return render_template(
        "trace/page.html",
        lot=lot,
        status=status,
        entries=timeline(lot.events, status),
        summary=contribution_summary(lot),
        point=map_point(lot.latitude, lot.longitude),
        map_size=(MAP_WIDTH, MAP_HEIGHT),
    )


@bp.route("/trace/<public_id>/events/<int:sequence>/evidence")
def evidence(public_id: str, sequence: int):
    """The photo or PDF behind an event of a public lot, unless the cooperative keeps it private."""
    return send_evidence(_lot_or_404(public_id), sequence, allowed_private=False)


@bp.route("/<lang:lang>/trace/<public_id>/label")
@cacheable
def label(public_id: str):
    """A printable label: QR code, product, lot code and best-before date."""
    lot = _lot_or_404(public_id)
    return render_template("trace/label.html", lot=lot, qr_target=qr_url(lot))


@bp.route("/trace/<public_id>")
def resolve(public_id: str):
    """The language-neutral trace URL (on labels without a GTIN): the page in the visitor's language."""
    lot = _lot_or_404(public_id)
    return _to_page(lot)


@bp.route("/01/<gtin>/10/<code>")
def digital_link(gtin: str, code: str):
    """GS1 Digital Link resolver: /01/{GTIN}/10/{lot} → the lot's trace page."""
    try:
        lot = find_lot_by_gtin(gtin, code)
    except ValueError:  # wrong length or check digit: not a GTIN
        abort(404)
    if lot is None:
        abort(404)
    return _to_page(lot)


def _to_page(lot: Lot) -> Response:
    response = redirect(
        url_for("trace.page", lang=best_language(request), public_id=lot.public_id), code=302
    )
    # The target depends on the visitor's language: caches must not share it.
    response.vary.update(("Accept-Language", "Cookie"))
    return response


@bp.route("/trace/<public_id>.jsonld")
def jsonld(public_id: str):
    """The lot as an EPCIS 2.0 JSON-LD document."""
    lot = _lot_or_404(public_id)
    body = json.dumps(epcis_document(lot, lot.events), ensure_ascii=False, indent=2)
    response = Response(body, mimetype="application/ld+json")
    # Public data meant for other systems (and validators) to read.
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/trace/<public_id>/qr.<any(svg, png):kind>")
def qr(public_id: str, kind: str):
    """The lot's QR code as SVG (print) or PNG (everything else)."""
    lot = _lot_or_404(public_id)
    code = qr_code(lot)
    out = io.BytesIO()
    if kind == "svg":
        code.save(out, kind="svg", scale=4, border=4, xmldecl=False, title=lot.code)
        mimetype = "image/svg+xml"
    else:
        code.save(out, kind="png", scale=8, border=4)
        mimetype = "image/png"
    response = Response(out.getvalue(), mimetype=mimetype)
    response.cache_control.public = True
    response.cache_control.max_age = QR_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


# ---------------------------------------------------------------- template helpers


def step_label(step: str) -> str:
    """A step's name in the page's language."""
    try:
        return str(STEP_LABELS[Step(step)])
    except ValueError:
        return step


def material_label(material: str, lot: Lot) -> str:
    """A material's name; ``lot`` is the product itself."""
    if material == MATERIAL_LOT:
        return lot.variant.product.name(current_language()).text
    label = MATERIALS.get(material)
    return str(label) if label is not None else material.replace("-", " ")


def quantity_text(item: dict[str, str], lot: Lot) -> str:
    """ "1 200 kg", "300 × 100 ml", "3 pieces"… in the page's conventions."""
    value = Decimal(item["quantity"])
    if item["material"] == MATERIAL_LOT and item["uom"] == "H87":
        return f"{format_number(value)} × {variant_label(lot.variant)}"
    if item["uom"] == "H87":
        return ngettext("%(num)d piece", "%(num)d pieces", int(value))
    return str(UOM_LABELS[item["uom"]]) % {"qty": format_number(value)}


def moment_text(moment: datetime) -> str:
    """An event's date and time (Casablanca), without seconds."""
    return f"{format_date(moment, 'medium')} {format_time(moment, 'short')}"


def translated(texts: dict[str, str]):
    """A recorded description in the page's language or its fallback."""
    return pick(texts, current_language())


def init_trace(app: Flask) -> None:
    """Register the trace pages and their helpers."""
    app.register_blueprint(bp)

    @app.context_processor
    def trace_helpers() -> dict[str, Any]:
        return {
            "trace_lots_on_sale": lots_on_sale,
            "trace_step_label": step_label,
            "trace_material_label": material_label,
            "trace_quantity": quantity_text,
            "trace_text": translated,
            "trace_moment": moment_text,
            "trace_evidence_url": evidence_url,
        }
