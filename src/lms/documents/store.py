"""Where documents' bytes are kept: the local disk (the embedded default) or S3-compatible
object storage (AWS S3, MinIO, Ceph ...), behind one small port.

Guarantees: a blob is written under a key made from its content's SHA-256, so writing the
same bytes twice keeps one copy and a key never names two contents; a read returns exactly
the bytes written; nothing here decides who may read (lms.documents.filing does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from lms.platform.settings import data_folder, get_settings


class BlobStore(Protocol):
    name: str

    def put(self, key: str, content: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalDiskStore:
    """Files under a folder, two levels of the key's first characters deep."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / key[2:4] / key

    def put(self, key: str, content: bytes, content_type: str) -> None:
        path = self._path(key)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_bytes(content)
        partial.replace(path)  # whole or not at all

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Store:
    """A bucket of S3-compatible object storage (boto3), reached at `endpoint` if given."""

    name = "s3"

    def __init__(self, bucket: str, **client: Any) -> None:
        import boto3

        self.bucket = bucket
        self.client = boto3.client("s3", **{k: v for k, v in client.items() if v})

    def put(self, key: str, content: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=content, ContentType=content_type)

    def get(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def blob_store() -> BlobStore:
    """The store the settings name: `LMS_DOCUMENT_STORE` local (the data folder's documents,
    or `LMS_DOCUMENT_DIR`) or s3 (`LMS_S3_*`)."""
    settings = get_settings()
    if settings.document_store == "s3":
        return S3Store(
            settings.s3_bucket, endpoint_url=settings.s3_endpoint, region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key, aws_secret_access_key=settings.s3_secret_key,
        )  # fmt: skip
    return LocalDiskStore(
        Path(settings.document_dir) if settings.document_dir else data_folder() / "documents"
    )
