"""The S3 object store: objects in one bucket of any S3 API, through boto3."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import TYPE_CHECKING, BinaryIO, cast

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from marquee.kit.storage.store import (
    CHUNK_SIZE,
    ObjectInfo,
    ObjectNotFound,
    check_key,
    check_prefix,
    check_range,
)

if TYPE_CHECKING:
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.literals import BucketLocationConstraintType
    from mypy_boto3_s3.type_defs import ListObjectsV2OutputTypeDef, ObjectIdentifierTypeDef

DEFAULT_CONTENT_TYPE = "application/octet-stream"
S3_MISSING_CODES = frozenset({"NoSuchKey", "404", "NotFound"})


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@contextmanager
def _missing_as_not_found(key: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if _error_code(error) in S3_MISSING_CODES:
            raise ObjectNotFound(key) from error
        raise


class S3ObjectStore:
    """Objects in one bucket of any S3 API (AWS, MinIO, Ceph, moto...), through boto3.

    Credentials come from boto3's standard chain (environment, shared config, instance role).
    Opening a store never creates its bucket; :meth:`create_bucket` does, when asked.
    """

    def __init__(
        self, bucket: str, *, endpoint_url: str | None = None, region: str | None = None
    ) -> None:
        self.bucket = bucket
        self.region = region
        config = Config(retries={"mode": "standard"})
        if endpoint_url:
            # Self-hosted S3 servers rarely resolve bucket subdomains; path style works everywhere.
            config = config.merge(Config(s3={"addressing_style": "path"}))
        self._client: S3Client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region, config=config
        )

    def create_bucket(self) -> None:
        """Create the bucket if it is missing (used by tests and ``marquee doctor``)."""
        try:
            if self.region and self.region != "us-east-1":
                self._client.create_bucket(
                    Bucket=self.bucket,
                    CreateBucketConfiguration={"LocationConstraint": _location(self.region)},
                )
            else:
                self._client.create_bucket(Bucket=self.bucket)
        except ClientError as error:
            if _error_code(error) != "BucketAlreadyOwnedByYou":
                raise

    def put(self, key: str, stream: BinaryIO, *, content_type: str | None = None) -> ObjectInfo:
        """Multipart upload for large streams; an interrupted one is aborted, not published."""
        self._client.upload_fileobj(
            stream, self.bucket, check_key(key), ExtraArgs=_extra_args(content_type)
        )
        return self.info(key)

    def put_bytes(self, key: str, data: bytes, *, content_type: str | None = None) -> ObjectInfo:
        response = self._client.put_object(
            Bucket=self.bucket,
            Key=check_key(key),
            Body=data,
            ContentType=content_type or DEFAULT_CONTENT_TYPE,
        )
        return ObjectInfo(key=key, size=len(data), etag=response["ETag"].strip('"'))

    def upload_from(self, path: str, key: str, *, content_type: str | None = None) -> ObjectInfo:
        self._client.upload_file(
            path, self.bucket, check_key(key), ExtraArgs=_extra_args(content_type)
        )
        return self.info(key)

    def get(self, key: str) -> Iterator[bytes]:
        with _missing_as_not_found(key):
            body = self._client.get_object(Bucket=self.bucket, Key=check_key(key))["Body"]
        return self._stream(body)

    def get_bytes(self, key: str) -> bytes:
        return b"".join(self.get(key))

    def get_range(self, key: str, start: int, end: int) -> bytes:
        """End is clamped to the last byte; a start past the end gives ``b""``."""
        check_range(start, end)
        try:
            with _missing_as_not_found(key):
                response = self._client.get_object(
                    Bucket=self.bucket, Key=check_key(key), Range=f"bytes={start}-{end}"
                )
        except ClientError as error:
            if _error_code(error) == "InvalidRange":
                return b""
            raise
        with closing(response["Body"]) as body:
            return body.read()

    def info(self, key: str) -> ObjectInfo:
        with _missing_as_not_found(key):
            head = self._client.head_object(Bucket=self.bucket, Key=check_key(key))
        return ObjectInfo(key=key, size=head["ContentLength"], etag=head["ETag"].strip('"'))

    def exists(self, key: str) -> bool:
        try:
            self.info(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        self._client.delete_object(Bucket=self.bucket, Key=check_key(key))

    def delete_prefix(self, prefix: str) -> int:
        """Delete in batches of one listing page (up to 1000 keys, one request each)."""
        deleted = 0
        for page in self._pages(prefix):
            keys: list[ObjectIdentifierTypeDef] = [
                {"Key": item["Key"]} for item in page.get("Contents", [])
            ]
            if not keys:
                continue
            response = self._client.delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": keys, "Quiet": True},
            )
            if errors := response.get("Errors"):
                raise OSError(f"could not delete {len(errors)} objects, first: {errors[0]}")
            deleted += len(keys)
        return deleted

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        for page in self._pages(prefix):
            for item in page.get("Contents", []):
                yield ObjectInfo(key=item["Key"], size=item["Size"], etag=item["ETag"].strip('"'))

    def download_to(self, key: str, path: str) -> None:
        with _missing_as_not_found(key):
            self._client.download_file(self.bucket, check_key(key), path)

    def ping(self) -> None:
        self._client.head_bucket(Bucket=self.bucket)

    def _pages(self, prefix: str) -> Iterator[ListObjectsV2OutputTypeDef]:
        paginator = self._client.get_paginator("list_objects_v2")
        yield from paginator.paginate(Bucket=self.bucket, Prefix=check_prefix(prefix))

    @staticmethod
    def _stream(body: StreamingBody) -> Iterator[bytes]:
        with closing(body):
            yield from body.iter_chunks(CHUNK_SIZE)


def _location(region: str) -> BucketLocationConstraintType:
    """Self-hosted S3 servers accept region names that AWS's list of literals does not."""
    return cast("BucketLocationConstraintType", region)


def _extra_args(content_type: str | None) -> dict[str, str]:
    return {"ContentType": content_type or DEFAULT_CONTENT_TYPE}
