import json
import os
import subprocess
import sys

from django.conf import settings

PRINT_STORAGE = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['default']))"


def storage_for(**env) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("S3_", "MINIO_", "AWS_"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT_STORAGE],
        cwd=settings.BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_seed_names_configure_s3_and_the_local_folder_is_the_default():
    assert storage_for() == {"BACKEND": "media.storage.LocalMediaStorage"}

    s3 = storage_for(
        MINIO_ENDPOINT="minio:9000",
        S3_USE_TLS="0",
        MINIO_ACCESS_KEY="clockwork",
        MINIO_SECRET_KEY="tick-tock",
        S3_BUCKET_NAME="lockin-avatars",
        S3_PUBLIC_ENDPOINT_URL="https://files.example.com",
    )

    assert s3["BACKEND"] == "media.storage.S3MediaStorage"
    assert s3["OPTIONS"] == {
        "endpoint_url": "http://minio:9000",
        "public_endpoint_url": "https://files.example.com",
        "bucket_name": "lockin-avatars",
        "region_name": "us-east-1",
        "access_key": "clockwork",
        "secret_key": "tick-tock",
        "use_ssl": False,
    }
