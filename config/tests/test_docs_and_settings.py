import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db

BASE = Path(settings.BASE_DIR)


def test_openapi_schema_is_served():
    response = Client().get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Timekeep API"
    assert "/api/v1/auth/login/" in schema["paths"]
    assert {"BearerAuth", "CookieAuth", "OAuth2Password"} <= set(schema["components"]["securitySchemes"])


@pytest.mark.parametrize("path", ["/api/v1/docs/", "/api/v1/redoc/"])
def test_docs_pages_load_nothing_from_other_hosts(path):
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    external = re.findall(r"""(?:src|href)=["'](https?:)?//[^"']+""", html)
    assert external == []
    assert "fonts.googleapis" not in html
    assert "/static/drf_spectacular_sidecar/" in html


def test_swagger_ui_has_no_online_validator():
    assert '"validatorUrl": null' in Client().get("/api/v1/docs/").content.decode()


def _manage(*args, env_extra):
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DATABASE_URL"}}
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_ENV": "production",
            "SECRET_KEY": "x" * 20 + "-Very-Random-Production-Secret-Value-123456789",
            "ALLOWED_HOSTS": "timekeep.example.com",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_its_secrets():
    result = _manage("check", env_extra={"DJANGO_ENV": "production", "SECRET_KEY": "", "ALLOWED_HOSTS": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr or "ALLOWED_HOSTS" in result.stderr


def test_env_example_documents_every_variable_the_settings_read():
    source = (BASE / "config" / "settings.py").read_text()
    read = set(re.findall(r'env_\w+\(\s*"([A-Z_]+)"', source))
    documented = set(re.findall(r"^#?\s*([A-Z_]+)=", (BASE / ".env.example").read_text(), re.MULTILINE))
    assert read - documented == set()
    readme = (BASE / "README.md").read_text()
    assert {name for name in read if f"`{name}`" not in readme} == set()


@pytest.mark.parametrize(("value", "starts"), [("off", True), ("5/15m", True), ("30/minute", False), ("ten", False)])
def test_an_auth_rate_limit_is_off_or_well_formed_else_the_project_does_not_start(value, starts):
    # A malformed rate would otherwise close the endpoint it guards (a 503 for everyone) at run time.
    env = {**os.environ, "RATE_LIMIT_LOGIN_IP": value}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE, env=env, capture_output=True, text=True, check=False
    )
    assert (result.returncode == 0) == starts, result.stderr[-500:]
    if not starts:
        assert "RATE_LIMIT_LOGIN_IP must look like" in result.stderr
