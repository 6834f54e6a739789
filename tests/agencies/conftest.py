import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Evidence files of these tests go to a temporary directory, not var/media."""
    settings.MEDIA_ROOT = tmp_path / "media"
