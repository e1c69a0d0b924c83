"""Property tests of the money rules (hypothesis): refunds in parts, random histories."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.accounting import parts_for
from orders.models import OrderLine
from shop.fairtrade import DEFAULT_POLICY, HARD_CAP_BP, split


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=200)
@given(unit=st.integers(1, 10**7), quantity=st.integers(1, 40), data=st.data())
def test_refunding_a_line_in_any_steps_reverses_exactly_its_parts(app, unit, quantity, data):
    whole = split(unit * quantity, DEFAULT_POLICY)
    line = OrderLine(unit_price_cents=unit, quantity=quantity, gross_cents=whole.gross,
                     commission_cents=whole.commission, premium_cents=whole.premium,
                     producer_cents=whole.producer, policy_version=DEFAULT_POLICY.version,
                     refunded_quantity=0)
    totals = [0, 0, 0, 0]
    while line.refunded_quantity < quantity:
        step = data.draw(st.integers(1, quantity - line.refunded_quantity))
        parts = parts_for(line, step)
        assert parts.gross == unit * step
        assert parts.commission + parts.premium + parts.producer == parts.gross
        assert min(parts.commission, parts.premium, parts.producer) >= 0
        # Never more commission than the cap allows on what is refunded (+ rounding).
        assert parts.commission * 10_000 <= parts.gross * HARD_CAP_BP + 10_000
        for i, value in enumerate((parts.gross, parts.commission, parts.premium, parts.producer)):
            totals[i] += value
        line.refunded_quantity += step
    assert totals == [whole.gross, whole.commission, whole.premium, whole.producer]
