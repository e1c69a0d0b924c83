"""The fair-trade split: pure functions shared by the product page and orders.

Every order line's gross (unit price × quantity, taxes included) is split
into the platform commission, the fair-trade premium (the cooperative's
community fund) and the producer revenue. Commission and premium are
rounded half-up to the centime; the producer gets the remainder, so the
parts always sum exactly to the gross.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Rates are in basis points (1/100 of a percent): integers, never floats.
BASIS = 10_000
#: The commission can never exceed this, whatever an administrator sets.
HARD_CAP_BP = 1_500


@dataclass(frozen=True)
class Policy:
    """A version of the published fair-trade rules."""

    version: int = 1
    commission_bp: int = 1_000  # 10 %
    premium_bp: int = 500  # 5 %
    hold_days: int = 14

    def __post_init__(self) -> None:
        if not 0 <= self.commission_bp <= HARD_CAP_BP:
            raise ValueError("commission outside 0..cap")
        if not 0 <= self.premium_bp <= BASIS - self.commission_bp:
            raise ValueError("premium outside what remains after commission")
        if self.hold_days < 0:
            raise ValueError("negative hold period")


DEFAULT_POLICY = Policy()


@dataclass(frozen=True)
class Split:
    """Where the money of one line goes, in centimes."""

    gross: int
    commission: int
    premium: int
    producer: int

    @property
    def to_cooperative(self) -> int:
        """What the cooperative receives: revenue plus community fund."""
        return self.producer + self.premium


def part(amount_cents: int, rate_bp: int) -> int:
    """``amount × rate`` rounded half-up to the centime (integers only)."""
    if amount_cents < 0:
        return -part(-amount_cents, rate_bp)
    return (amount_cents * rate_bp + BASIS // 2) // BASIS


def split(gross_cents: int, policy: Policy = DEFAULT_POLICY) -> Split:
    """Split a line's gross by ``policy``; the parts sum exactly to it."""
    if not isinstance(gross_cents, int):
        raise TypeError("money is an integer number of centimes")
    commission = part(gross_cents, policy.commission_bp)
    premium = part(gross_cents, policy.premium_bp)
    return Split(gross_cents, commission, premium, gross_cents - commission - premium)
