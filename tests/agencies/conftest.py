import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence files of these tests go to a temporary directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def sealed(cast):
    """The demo city's events, sealed (in a test transaction the on-commit seal never runs by itself)."""
    from agencies.audit import audit_seal, audit_verify
    from agencies.models import AuditEvent

    assert audit_seal() > 5
    assert list(audit_verify()) == []
    return list(AuditEvent.objects.order_by("seq"))
