"""The split: exact sums, half-up rounding, the hard cap (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shop.money.split import HARD_CAP_BP, Policy, part, split

policies = st.builds(
    lambda c, p: Policy(commission_bp=c, premium_bp=p),
    st.integers(0, HARD_CAP_BP),
    st.integers(0, 2_000),
)


@given(gross=st.integers(0, 10**12), policy=policies)
def test_parts_sum_exactly_to_gross(gross, policy):
    s = split(gross, policy)
    assert s.commission + s.premium + s.producer == gross
    assert min(s.commission, s.premium, s.producer) >= 0
    assert s.commission * 10_000 <= gross * HARD_CAP_BP + 5_000  # never above the cap


@given(gross=st.integers(0, 10**9), rate=st.integers(0, 10_000))
def test_half_up_rounding(gross, rate):
    exact_times_2 = 2 * gross * rate  # twice the exact value, in 1/10000 centimes
    rounded = part(gross, rate)
    # |rounded - exact| <= 1/2, and exactly-half cases round up.
    assert abs(rounded * 20_000 - exact_times_2) <= 10_000
    if (gross * rate) % 10_000 == 5_000:
        assert rounded * 10_000 > gross * rate


def test_examples():
    assert split(12_000) == split(12_000, Policy())
    s = split(12_000)  # 120.00 MAD
    assert (s.commission, s.premium, s.producer) == (1_200, 600, 10_200)
    s = split(5)  # 0.05 MAD: 10 % = 0.5 → 1, 5 % = 0.25 → 0
    assert (s.commission, s.premium, s.producer) == (1, 0, 4)
    assert s.to_cooperative == 4


def test_cap_is_hard():
    with pytest.raises(ValueError):
        Policy(commission_bp=HARD_CAP_BP + 1)
    with pytest.raises(TypeError):
        split(12.5)  # type: ignore[arg-type]
