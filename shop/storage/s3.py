"""Storage in an S3-compatible bucket (AWS S3, MinIO, Ceph, Scaleway...), through boto3.

Chosen with ``MEDIA_STORAGE=s3`` once several servers serve the site: each
one reads and writes the same bucket instead of its own disk. The public
pictures go to ``S3_BUCKET`` with their content type and the same long cache
header ``/media/`` sends, so a CDN or the bucket itself (``MEDIA_URL``) can
serve them; the private files go to ``S3_PRIVATE_BUCKET`` (or the same
bucket under ``S3_PRIVATE_PREFIX``), which no public URL reaches: only the
permission-checking routes read them.

Each object carries the SHA-256 of its bytes as metadata, so ``flask media
migrate`` can tell an object already copied from one to copy again.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .base import check_name

#: The metadata key (``x-amz-meta-sha256``) holding an object's digest.
DIGEST_KEY = "sha256"
#: Error codes that mean "nothing stored under this key".
MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
#: A conditional write refused because the key exists (412), or because
#: another write of it is under way (409): names are content addresses, so
#: either way the same bytes are (being) stored.
ALREADY_STORED = frozenset({409, 412})


@dataclass(frozen=True, slots=True)
class StoredObject:
    """What the bucket says of an object: its size, and its digest if it has one."""

    size: int
    sha256: str | None
    etag: str

    def holds(self, data: bytes) -> bool:
        """Tell whether this object holds exactly ``data``.

        The SHA-256 metadata decides; an object written by another tool has
        none, and its ETag is then the MD5 of its bytes (unless it was a
        multipart upload, whose ETag has a dash: it is written again).
        """
        if self.size != len(data):
            return False
        if self.sha256:
            return self.sha256 == hashlib.sha256(data).hexdigest()
        if "-" in self.etag:
            return False
        return self.etag == hashlib.md5(data, usedforsecurity=False).hexdigest()


class S3Storage:
    """Storage in one bucket, every name under ``prefix``."""

    def __init__(
        self, client: Any, bucket: str, prefix: str = "", *, cache_control: str | None = None
    ) -> None:
        """Store in ``bucket`` through a boto3 S3 ``client``; objects get ``cache_control``."""
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.cache_control = cache_control
        #: False once the endpoint has said it does not do conditional writes.
        self.conditional_writes = True

    def key(self, name: str) -> str:
        """The object key of ``name`` (ValueError for a name no backend accepts)."""
        check_name(name)
        return f"{self.prefix}{name}"

    def save(self, name: str, data: bytes) -> None:
        """Store ``data`` under ``name`` unless an object is already there.

        One request: the write is conditional (``If-None-Match: *``), so an
        existing object is never rewritten. An endpoint without conditional
        writes gets a HEAD first instead.
        """
        key = self.key(name)
        if not self.conditional_writes:
            if self.stat(name) is None:
                self._put(key, data)
            return
        from botocore.exceptions import ClientError

        try:
            self._put(key, data, IfNoneMatch="*")
        except ClientError as exc:
            if _status(exc) in ALREADY_STORED:
                return
            if _code(exc) != "NotImplemented":
                raise
            self.conditional_writes = False
            self.save(name, data)

    def replace(self, name: str, data: bytes) -> None:
        """Store ``data`` under ``name``, whatever was there (``flask media migrate``)."""
        self._put(self.key(name), data)

    def read(self, name: str) -> bytes:
        """Return the bytes stored under ``name`` (FileNotFoundError if none)."""
        from botocore.exceptions import ClientError

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if _code(exc) in MISSING:
                raise FileNotFoundError(name) from exc
            raise
        with response["Body"] as body:
            data: bytes = body.read()
        return data

    def exists(self, name: str) -> bool:
        """Tell whether an object is stored under ``name``."""
        return self.stat(name) is not None

    def stat(self, name: str) -> StoredObject | None:
        """The size and digest of the object under ``name``, or None if there is none."""
        from botocore.exceptions import ClientError

        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.key(name))
        except ClientError as exc:
            if _code(exc) in MISSING:
                return None
            raise
        metadata: Mapping[str, str] = head.get("Metadata") or {}
        return StoredObject(
            size=int(head["ContentLength"]),
            sha256=metadata.get(DIGEST_KEY),
            etag=str(head.get("ETag", "")).strip('"'),
        )

    def delete(self, name: str) -> None:
        """Remove the object under ``name`` (S3 answers the same if there is none)."""
        self.client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def path(self, name: str) -> None:
        """No local path: the routes read the bytes instead."""
        self.key(name)  # the same names are refused as on disk

    def _put(self, key: str, data: bytes, **conditions: str) -> None:
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        arguments: dict[str, Any] = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": data,
            "ContentType": content_type,
            "Metadata": {DIGEST_KEY: hashlib.sha256(data).hexdigest()},
            **conditions,
        }
        if self.cache_control:
            arguments["CacheControl"] = self.cache_control
        self.client.put_object(**arguments)


def make_client(config: Mapping[str, Any]) -> Any:
    """A boto3 S3 client from the ``S3_*`` settings (thread-safe: one per application).

    Without ``S3_ACCESS_KEY_ID`` boto3 finds credentials itself (the
    ``AWS_*`` variables, a profile, the machine's role), so none need be
    written in a file.
    """
    import boto3
    from botocore.config import Config

    session = boto3.session.Session(
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
        region_name=config.get("S3_REGION") or None,
    )
    return session.client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        config=Config(
            s3={"addressing_style": config.get("S3_ADDRESSING_STYLE") or "auto"},
            connect_timeout=5,
            read_timeout=30,
            retries={"mode": "standard", "max_attempts": 3},
            # boto3's default CRC checksums are refused by several
            # S3-compatible stores; the objects carry their SHA-256 instead.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=20,
        ),
    )


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _status(exc: Any) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
