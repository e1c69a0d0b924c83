"""The catalogue's jobs: a product picture's smaller renditions, and the search index.

With Redis they run on a real queue through a worker in this process; without
it, right after the commit.
"""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from catalog import services
from catalog.images import rendition_name
from catalog.jobs import missing_renditions
from catalog.models import ProductImage
from catalog.search import get_backend
from shop import jobs
from shop.extensions import db
from shop.storage import get_storage


def photo(size=(1600, 1200), colour=(180, 90, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def stored(key: str) -> set[str]:
    storage = get_storage()
    return {
        rendition_name(key, width, ext)
        for width in (320, 640, 1280)
        for ext in ("webp", "jpg")
        if storage.exists(rendition_name(key, width, ext))
    }


def upload(product) -> ProductImage:
    image = services.add_image(product, photo())
    db.session.commit()
    db.session.expire_all()
    return db.session.get(ProductImage, image.id)


def test_the_request_stores_the_largest_width_and_a_job_the_others(app, redis_jobs, make_product):
    product = make_product()
    image = upload(product)
    # While the cooperative waited: the largest width only, listed as such.
    assert image.widths == "1280"
    assert stored(image.key) == {
        rendition_name(image.key, 1280, "webp"),
        rendition_name(image.key, 1280, "jpg"),
    }
    assert redis_jobs.names() == ["image-renditions"]

    assert redis_jobs.work() == 1

    db.session.expire_all()
    image = db.session.get(ProductImage, image.id)
    assert image.widths == "320,640,1080,1280"
    assert len(stored(image.key)) == 6
    with Image.open(get_storage().path(rendition_name(image.key, 320, "webp"))) as small:
        assert small.size == (320, 240)
    # The product page lists every width now.
    page = app.test_client().get(f"/fr/products/{product.slug}").get_data(as_text=True)
    assert f"{image.key}-320.webp 320w" in page


def test_lost_rendition_jobs_are_found_again(app, redis_jobs, make_product):
    image = upload(make_product())
    redis_jobs.queue.empty()  # the job was lost (Redis flushed, say)
    assert missing_renditions() == 1
    redis_jobs.work()
    db.session.expire_all()
    assert db.session.get(ProductImage, image.id).widths == "320,640,1080,1280"
    assert missing_renditions() == 0


def test_without_redis_the_renditions_are_made_after_the_commit(app, make_product):
    assert jobs.queue() is None
    product = make_product()
    image = services.add_image(product, photo())
    assert len(stored(image.key)) == 2  # before the commit: the largest only
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ProductImage, image.id).widths == "320,640,1080,1280"
    assert len(stored(image.key)) == 6


def test_a_small_picture_needs_no_job(app, redis_jobs, make_product):
    image = services.add_image(make_product(), photo(size=(300, 300)))
    db.session.commit()
    assert image.widths == "300" and redis_jobs.names() == []


def test_the_reindex_job_rebuilds_the_index(app, redis_jobs, make_product):
    first, second = make_product(name_fr="Miel de thym"), make_product(name_fr="Safran")
    backend = get_backend()
    backend.rebuild(iter([]))  # an index that lost everything
    assert set(backend.snapshot()) == set()
    jobs.submit("search-reindex")
    assert redis_jobs.names() == ["search-reindex"]
    assert redis_jobs.work() == 1
    assert set(backend.snapshot()) == {first.id, second.id}
    assert redis_jobs.queue.finished_job_registry.get_job_ids()
    (job_id,) = redis_jobs.queue.finished_job_registry.get_job_ids()
    assert redis_jobs.queue.fetch_job(job_id).return_value() == 2


def test_reindex_without_redis_runs_here(app, make_product, runner):
    product = make_product(name_fr="Amlou")
    backend = get_backend()
    backend.rebuild(iter([]))
    result = runner.invoke(args=["jobs", "enqueue", "search-reindex"])
    assert "no REDIS_URL: ran it here" in result.output
    assert set(backend.snapshot()) == {product.id}
    assert db.session.scalar(select(ProductImage.id)) is None
