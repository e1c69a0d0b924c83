"""Discount codes (issue #18): the codes, their use, and how they change an order's money.

- ``models.py``: ``discount_code`` and ``discount_redemption``, and the discount
  columns of orders, parcels, lines and refund lines (mixins of ``orders.models``).
- ``allocation.py``: the pure arithmetic (percent per line, a fixed amount by
  largest remainder, caps at the floor price), in integer centimes.
- ``codes.py``: normalising, checking a code for a basket (one answer for every
  refusal), redeeming it at placement with a conditional UPDATE on its uses,
  releasing that use when the order's stock goes back (``retake`` after a late
  card payment).
- ``manage.py``: creating and deactivating codes (administrators and cooperatives).
- ``forms.py``: the cart's field and the code form of both back offices.

The cart's pages are ``orders/discount_views.py`` (rate-limited per address and session).

Imported by module (``from orders.discounts import codes``): this file imports nothing,
so ``orders.models`` can load ``discounts.models`` without a cycle.
"""
