from datetime import UTC, datetime

import pytest

from config.testing import freeze_clock


@pytest.fixture
def clock(monkeypatch):
    """Freeze the services' clock at Monday 2025-09-15 09:00 UTC; tests move it with advance()."""
    return freeze_clock(monkeypatch, datetime(2025, 9, 15, 9, 0, tzinfo=UTC))
