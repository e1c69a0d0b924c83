"""What the cooperative domain refuses, with a message for the person who asked."""

from __future__ import annotations

from shop.exceptions import UserError


class ProducerError(UserError):
    """A refused application, team, member or profile operation."""
