"""The S3 backend of media.storage (MinIO or any S3 server), in a module of its own because it
needs boto3 and botocore, which hold about 8 MB in every process that imports them: only a
process that serves images from S3 loads it. Settings name it `media.storage.S3MediaStorage`;
media.storage hands this class out under that name."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import datetime, timedelta

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from storages.backends.s3 import S3Storage

from media.storage import SignedUrls


class S3MediaStorage(SignedUrls, S3Storage):
    """django-storages' S3 backend set up for MinIO and other S3 servers: signature v4,
    path-style addressing, short timeouts (an unreachable server is a quick 503, not a hung
    worker), private objects.

    `public_endpoint_url` is used only to sign URLs handed to browsers: a MinIO reached at an
    internal host name (`http://minio:9000`) still gives clients a URL they can open. The
    signature covers the host, so the public endpoint must forward requests with that Host."""

    # What media.storage.storage_errors turns into a 503.
    outage_errors = (BotoCoreError, ClientError, OSError)

    def __init__(self, *, public_endpoint_url: str | None = None, **options):
        options.setdefault("signature_version", "s3v4")
        options.setdefault("addressing_style", "path")
        options.setdefault("file_overwrite", True)
        options.setdefault("default_acl", None)
        options.setdefault(
            "client_config",
            Config(
                signature_version=options["signature_version"],
                s3={"addressing_style": options["addressing_style"]},
                connect_timeout=3,
                read_timeout=20,
                retries={"max_attempts": 2, "mode": "standard"},
            ),
        )
        super().__init__(**options)
        self.public_endpoint_url = public_endpoint_url or None
        self._signer = None
        self._signer_lock = threading.Lock()

    def _signing_client(self):
        if self.public_endpoint_url is None:
            return self.connection.meta.client
        with self._signer_lock:
            if self._signer is None:
                self._signer = self._create_session().client(
                    "s3",
                    endpoint_url=self.public_endpoint_url,
                    region_name=self.region_name,
                    use_ssl=self.use_ssl,
                    verify=self.verify,
                    config=self.client_config,
                )
        return self._signer

    def _presign(self, key, *, method, expires_in, content_type, content_length, now):
        """Presign with botocore (no network call). botocore signs with its own clock; `now`
        only moves the reported expiry."""
        params = {"Bucket": self.bucket_name, "Key": key}
        if method == "PUT":
            params.update(ContentType=content_type, ContentLength=content_length)
        operation = "put_object" if method == "PUT" else "get_object"
        url = self._signing_client().generate_presigned_url(operation, Params=params, ExpiresIn=expires_in)
        return url, now + timedelta(seconds=expires_in)

    def check_ready(self) -> str:
        self.connection.meta.client.head_bucket(Bucket=self.bucket_name)
        return "s3"

    def iter_objects(self) -> Iterator[tuple[str, datetime]]:
        for summary in self.bucket.objects.all():
            yield summary.key, summary.last_modified
