"""The back office at /<lang>/admin/…: cooperatives and their documents, the
audit log, orders and refunds, the fair-trade policy and floor prices,
payouts. Its own blueprint, forms and templates; every route is admin-only."""
