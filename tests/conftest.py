import json
from pathlib import Path

import pytest

GOLDEN = json.loads((Path(__file__).parent / "golden" / "families.json").read_text())


@pytest.fixture(scope="session")
def golden() -> dict:
    return GOLDEN
