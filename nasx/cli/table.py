"""The terminal tables of `nasx.table`, under the name the commands have always imported."""
from nasx.table import human, render

__all__ = ["human", "render"]
