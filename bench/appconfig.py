"""The configuration a benchmark builds the application with, in a scratch folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def scratch_config(url: str, workdir: Path, **extra: Any) -> dict[str, Any]:
    """Development settings on ``url`` with every file under ``workdir``, no mail, no Stripe."""
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(workdir / "instance"),
        "OUTBOX_DIR": str(workdir / "outbox"),
        "SECRET_KEY": "bench",
        "MAIL_SERVER": "",
        # Plain http on the loopback: production would insist on https.
        "ENVIRONMENT": "development",
        "PUBLIC_BASE_URL": "http://bench.test",
        "STRIPE_SECRET_KEY": "",
        **extra,
    }
