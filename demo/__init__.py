"""Demo data for ``flask seed-demo``: users, cooperatives, catalogue, lots, orders.

It lives beside the product packages, not inside them, and is not installed
with them (setup.cfg): demo data and pictures come from the source tree only.
``STEPS`` run in order, each committed; each is idempotent and returns the
lines the command prints.
"""

from __future__ import annotations

from collections.abc import Callable

from catalog.search import reindex
from orders.shipping import ensure_default_rates

from .catalog import seed_catalog
from .cooperatives import seed_cooperatives
from .orders import seed_orders
from .traces import seed_trace
from .trust import seed_trust
from .users import seed_users

Step = Callable[[], list[str]]


def seed_search() -> list[str]:
    """Index the demo catalogue once it is loaded (later commits keep it in sync)."""
    return [f"Search index: {reindex()} products."]


#: Each step builds on the ones before it. The index is built right after the
#: catalogue, so that the later steps' commits keep it in sync; orders need the
#: catalogue and the shipping rates; reviews, questions and codes need the orders.
STEPS: tuple[Step, ...] = (
    seed_users,
    seed_cooperatives,
    seed_catalog,
    seed_search,
    seed_trace,
    ensure_default_rates,
    seed_orders,
    seed_trust,
)
