"""Template helpers for cooperatives: status and document labels."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from catalog.models import ProductStatus
from producers.models import CooperativeKind, CooperativeStatus, DocumentKind

#: The kinds of cooperative, as the application form and the pages name them.
KIND_LABELS = {
    CooperativeKind.AGRICULTURE: _l("Agriculture"),
    CooperativeKind.HANDICRAFT: _l("Handicraft"),
    CooperativeKind.FORESTRY: _l("Forestry (argan, honey, medicinal plants)"),
    CooperativeKind.FISHING: _l("Fishing"),
    CooperativeKind.OTHER: _l("Other"),
}
#: The documents an application carries.
DOCUMENT_LABELS = {
    DocumentKind.REGISTRATION: _l("ODCo registration certificate"),
    DocumentKind.ONSSA: _l("ONSSA authorisation"),
    DocumentKind.QUALITY: _l("Quality certificate (organic, IGP, AOP…)"),
}

COOPERATIVE_STATUS_LABELS = {
    CooperativeStatus.DRAFT: _l("Draft application"),
    CooperativeStatus.PENDING: _l("Under review"),
    CooperativeStatus.CHANGES_REQUESTED: _l("Changes requested"),
    CooperativeStatus.APPROVED: _l("Approved"),
    CooperativeStatus.REJECTED: _l("Not accepted"),
    CooperativeStatus.SUSPENDED: _l("Suspended"),
}
PRODUCT_STATUS_LABELS = {
    ProductStatus.DRAFT: _l("Draft"),
    ProductStatus.PUBLISHED: _l("Published"),
    ProductStatus.ARCHIVED: _l("Archived"),
}


def init_presentation(app: Flask) -> None:
    """Expose the labels to every template (workspace and administration)."""

    @app.context_processor
    def producer_helpers() -> dict[str, Any]:
        return {
            "status_label": lambda status: COOPERATIVE_STATUS_LABELS[CooperativeStatus(status)],
            "product_status_label": lambda s: PRODUCT_STATUS_LABELS[ProductStatus(s)],
            "document_label": lambda kind: DOCUMENT_LABELS[DocumentKind(kind)],
            "kind_label": lambda kind: KIND_LABELS.get(kind, kind),
            "product_status": ProductStatus,
        }
