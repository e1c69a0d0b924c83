"""Where the domains hook into accounts without the core importing them.

The core (layer 1) cannot import ``orders`` or ``producers``; these two hooks
let those packages react to an account event and say where a person lands
after logging in, registering themselves in their ``init_app``.

- ``address_confirmed``: sent when someone proves they own an account's
  e-mail address (opening the registration link, or a password-reset link),
  inside the request's transaction, before its commit. ``orders`` attaches
  the guest orders placed with that address.
- Landing pages: ``add_landing(app, provider)``; after a login without an
  explicit ``next``, the first provider that returns a URL for the user wins
  (a manager's workspace, an admin's back office).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from blinker import Namespace
from flask import Flask, current_app

if TYPE_CHECKING:
    from .models import User

_signals = Namespace()

#: ``address_confirmed.send(app, user=user)``: ``user`` owns ``user.email``.
address_confirmed = _signals.signal("address-confirmed")

#: A landing provider: the URL where ``user`` starts after logging in, or None.
LandingProvider = Callable[["User"], "str | None"]

_EXTENSION = "taawon_landing"


def add_landing(app: Flask, provider: LandingProvider) -> None:
    """Offer a landing page; providers are asked in the order they were added."""
    app.extensions.setdefault(_EXTENSION, []).append(provider)


def landing_for(user: User) -> str | None:
    """The first landing page a provider gives ``user``, else None (a shopper)."""
    for provider in current_app.extensions.get(_EXTENSION, []):
        url = provider(user)
        if url:
            return url
    return None
