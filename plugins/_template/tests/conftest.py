"""Makes ``pytest`` work from a checkout before ``pip install -e .``.

The path is appended, so an installed copy of the package still wins. Once the
plugin is installed this file is harmless; you may delete it.
"""

import sys
from pathlib import Path

_SRC = str(Path(__file__).resolve().parents[1] / "src")
if _SRC not in sys.path:
    sys.path.append(_SRC)
