"""The arithmetic of discounts, in integer centimes: pure functions, no database.

- A percentage is taken per line, rounded half-up like ``shop.money.split.part``.
- A fixed amount is spread over the lines in proportion to their gross by the
  largest remainder, so the pieces sum exactly to it.
- Each line has a cap (how much may come off it: down to its floor price for a
  cooperative's code, down to one centime a unit for the platform's); what a
  capped line cannot take goes to the others with room, and whatever no line
  can take is not given (``Applied.capped`` says so).
- Refunding ``u`` of a line's ``q`` units gives back ``discount * u // q``
  cumulated (``units_share``): the refunds of a line in any number of steps
  sum to its whole discount, and a unit never gives back more than it was
  discounted (so the shopper always gets at least one centime a unit back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shop.money.split import part


def percent_off(gross: int, percent: int) -> int:
    """``gross × percent / 100`` rounded half-up to the centime."""
    return part(gross, percent * 100)


def largest_remainder(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights``; the pieces sum exactly to it.

    Each piece is the floor of its exact share; the centimes left go to the
    largest remainders (ties to the first line), so the result is stable.
    """
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("allocations are of non-negative amounts")
    weight = sum(weights)
    if not weights or weight == 0:
        if total:
            raise ValueError("nothing to allocate over")
        return [0] * len(weights)
    shares = [total * w // weight for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def capped_spread(total: int, weights: Sequence[int], caps: Sequence[int]) -> list[int]:
    """Spread ``total`` like ``largest_remainder`` with no piece above its cap.

    What a capped line cannot take is spread again over the lines with room,
    until it is all given or no line has room: the result sums to
    ``min(total, sum(caps))``.
    """
    given = [0] * len(weights)
    left = min(total, sum(max(c, 0) for c in caps))
    while left > 0:
        room = [i for i in range(len(weights)) if given[i] < caps[i]]
        pieces = largest_remainder(left, [max(weights[i], 1) for i in room])
        for i, piece in zip(room, pieces, strict=True):
            take = min(piece, caps[i] - given[i])
            given[i] += take
            left -= take
    return given


def units_share(discount: int, quantity: int, units: int) -> int:
    """The part of a line's ``discount`` that its first ``units`` units carry."""
    if not 0 <= units <= quantity:
        raise ValueError("units outside the line")
    return discount * units // quantity


@dataclass(frozen=True)
class Applied:
    """A discount spread over lines: each line's part, and whether a cap held it back."""

    parts: list[int]
    wanted: int

    @property
    def total(self) -> int:
        """What actually comes off."""
        return sum(self.parts)

    @property
    def capped(self) -> bool:
        """True when the caps kept some of the discount from being given."""
        return self.total < self.wanted


def spread_percent(percent: int, grosses: Sequence[int], caps: Sequence[int]) -> Applied:
    """A percentage off each line, each piece within its cap."""
    wanted = [percent_off(g, percent) for g in grosses]
    return Applied([min(w, c) for w, c in zip(wanted, caps, strict=True)], sum(wanted))


def spread_amount(amount: int, grosses: Sequence[int], caps: Sequence[int]) -> Applied:
    """A fixed amount over the lines by their gross, each piece within its cap."""
    return Applied(capped_spread(amount, grosses, caps), amount)
