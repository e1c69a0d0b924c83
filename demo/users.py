"""Demo accounts for ``flask seed-demo``."""

from __future__ import annotations

from shop.accounts.models import User
from shop.accounts.services import find_user, register_user

#: Demo credentials are public on purpose: demo databases only. The domain must
#: pass e-mail validation (special-use names such as .test are refused at login).
DEMO_USERS = (
    ("admin@demo.taawon.ma", "Amina Admin", "demo-admin-2026", True),
    ("manager@demo.taawon.ma", "Fatima Aït Baha", "demo-manager-2026", False),
    ("shopper@demo.taawon.ma", "Youssef Shopper", "demo-shopper-2026", False),
)


def demo_user(email: str) -> User:
    """A demo user, created on first use."""
    for address, name, password, is_admin in DEMO_USERS:
        if address == email:
            return find_user(address) or register_user(
                address, name, password, "fr", is_admin=is_admin
            )
    raise KeyError(email)


def seed_users() -> list[str]:
    """Create the demo administrator, manager and shopper."""
    lines = ["Demo accounts (e-mail / password):"]
    for email, _name, password, _admin in DEMO_USERS:
        demo_user(email)
        lines.append(f"  {email} / {password}")
    return lines
