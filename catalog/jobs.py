"""The catalogue's background jobs: a picture's smaller renditions, the search index."""

from __future__ import annotations

from sqlalchemy import String, select, update

from shop import jobs
from shop.extensions import db
from shop.storage import get_storage

from .images import WIDTHS, derive_renditions
from .models import ProductImage


@jobs.job("image-renditions")
def image_renditions(key: str, width: int) -> str:
    """Store the smaller widths of picture ``key`` (stored at ``width``); list them on its rows.

    Safe to run twice: the files are content addressed and the rows get the
    same list again. Returns the widths now listed.
    """
    derived = derive_renditions(key, width, get_storage())
    widths = ",".join(str(w) for w in sorted({width, *(r.width for r in derived)}))
    db.session.execute(
        update(ProductImage)
        .where(ProductImage.key == key, ProductImage.width == width)
        .values(widths=widths)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return widths


@jobs.job("search-reindex")
def search_reindex() -> int:
    """Rebuild the search index from the database (``flask jobs enqueue search-reindex``)."""
    from .search import reindex

    return reindex()


def pictures_waiting() -> list[tuple[str, int]]:
    """Pictures listed at one width while smaller ones are due (their job is queued or lost)."""
    rows = db.session.execute(
        select(ProductImage.key, ProductImage.width)
        .where(ProductImage.widths == ProductImage.width.cast(String))
        .where(ProductImage.width > min(WIDTHS))
        .distinct()
    )
    return [(key, width) for key, width in rows]


@jobs.job("image-renditions-missing")
def missing_renditions() -> int:
    """Hand over again the pictures still waiting for their smaller widths; return how many."""
    waiting = pictures_waiting()
    db.session.rollback()
    for key, width in waiting:
        jobs.submit(image_renditions, key, width)
    return len(waiting)


def init_jobs(app) -> None:
    """The sweeper's default period (``JOB_SCHEDULE`` overrides)."""
    jobs.every(app, 15 * 60, missing_renditions)
