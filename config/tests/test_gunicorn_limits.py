"""The request limits in deploy/gunicorn.conf.py are the ones gunicorn enforces: served with that
file, a header just under the limit reaches Django, one over it is refused by gunicorn."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.testing_servers import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def gunicorn_port(tmp_path_factory):
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "WEB_CONCURRENCY": "1", "DATABASE_URL": ""}
    env["TEST_DATABASE_NAME"] = ""
    log = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    command = [str(Path(sys.executable).with_name("gunicorn")), "-c", "deploy/gunicorn.conf.py", "config.wsgi"]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while status(port, "/healthz") is None:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=20)


def status(port: int, path: str, headers: dict[str, str] | None = None) -> int | None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


def test_a_header_within_the_field_size_limit_reaches_django(gunicorn_port):
    assert status(gunicorn_port, "/healthz", {"X-Padding": "a" * 7000}) == 200


def test_a_header_over_the_field_size_limit_is_refused_by_gunicorn(gunicorn_port):
    assert status(gunicorn_port, "/healthz", {"X-Padding": "a" * 9000}) == 431


def test_more_header_fields_than_the_limit_are_refused(gunicorn_port):
    assert status(gunicorn_port, "/healthz", {f"X-Field-{n}": "1" for n in range(50)}) == 200
    assert status(gunicorn_port, "/healthz", {f"X-Field-{n}": "1" for n in range(70)}) == 431


def test_a_request_line_over_the_limit_is_refused(gunicorn_port):
    assert status(gunicorn_port, "/healthz?" + "a" * 8000) == 200
    assert status(gunicorn_port, "/healthz?" + "a" * 8300) == 414
