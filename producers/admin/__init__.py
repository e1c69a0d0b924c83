"""The back office at /<lang>/admin/…: cooperatives and their documents, the
audit log, orders and refunds, the fair-trade policy and floor prices,
payouts. Its own blueprint (``blueprint.py`` registers every view), forms and
templates; every route is admin-only but the document download, which a
cooperative's managers may use too."""
