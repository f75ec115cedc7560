"""Print the requirements pyproject.toml lists, one per line: the runtime ones, plus those of
each extra named on the command line (``python scripts/requirements.py dev``).

The Makefile installs from this list rather than ``pip install -e .``: the project itself is
not a package (it runs from the checkout), so building it would only cost time."""

import sys
import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def requirements(extras: list[str]) -> list[str]:
    project = tomllib.loads(PYPROJECT.read_text())["project"]
    listed = list(project["dependencies"])
    for extra in extras:
        listed += project["optional-dependencies"][extra]
    return listed


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:])))
