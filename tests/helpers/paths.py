"""Where the checkout and the golden files are, for every test module whatever its folder."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
