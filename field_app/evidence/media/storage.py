"""Content-addressed clip storage: a folder by default, an S3-compatible bucket by configuration.

A clip is stored once under ``<sha256[:2]>/<sha256>`` (in the folder, or under ``clips/`` in the bucket): the same bytes uploaded twice are one
object (and are evidence of re-use themselves). Both stores have the same three operations.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def key_of(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}"


class FileStore:
    name = "fs"

    def __init__(self, root: str) -> None:
        self.root = Path(root)

    def put(self, path: str, sha256: str) -> None:
        target = self.root / key_of(sha256)
        if target.exists():
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        shutil.copyfile(path, tmp)
        os.replace(tmp, target)  # atomic: a reader never sees half a clip

    def read(self, sha256: str) -> bytes:
        return (self.root / key_of(sha256)).read_bytes()

    def delete(self, sha256: str) -> None:
        (self.root / key_of(sha256)).unlink(missing_ok=True)


class S3Store:
    """Any S3-compatible service (AWS, MinIO, Ceph, a cloud's OSS/COS S3 endpoint) through boto3."""

    name = "s3"

    def __init__(self, bucket: str, endpoint_url: str | None, region: str | None) -> None:
        import boto3

        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None)

    def put(self, path: str, sha256: str) -> None:
        with open(path, "rb") as f:
            self.client.put_object(
                Bucket=self.bucket, Key="clips/" + key_of(sha256), Body=f, ChecksumAlgorithm="SHA256"
            )

    def read(self, sha256: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key="clips/" + key_of(sha256))["Body"].read()

    def delete(self, sha256: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key="clips/" + key_of(sha256))


def from_config(config, instance_path: str):
    if config["CLIP_STORE"] == "s3":
        return S3Store(config["CLIP_S3_BUCKET"], config["CLIP_S3_ENDPOINT_URL"], config["CLIP_S3_REGION"])
    return FileStore(clip_dir(config, instance_path))


def clip_dir(config, instance_path: str) -> str:
    return config["CLIP_DIR"] or os.path.join(instance_path, "clips")
