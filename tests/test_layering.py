"""Data flows one way: sources -> parse -> build -> evaluate -> leaderboard. Nothing lower imports
anything higher; the bottom (schema, errors, _util, releases) imports no layer; local/ is used by
evaluate/ only and imports no layer above it."""

import re
from pathlib import Path

import scalar

PACKAGE = Path(scalar.__file__).parent
LAYERS = ["sources", "parse", "build", "evaluate", "leaderboard"]
BOTTOM = {"schema", "errors", "_util", "releases"}
IMPORT = re.compile(r"^\s*(?:from|import)\s+scalar\.(\w+)", re.M)


def _owner(path: Path) -> str:
    rel = path.relative_to(PACKAGE).parts
    return rel[0].removesuffix(".py")


def test_no_layer_imports_a_higher_one():
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        owner = _owner(path)
        for target in IMPORT.findall(path.read_text(encoding="utf-8")):
            if owner in BOTTOM and target not in BOTTOM:
                offences.append((path.name, target))
            elif owner in LAYERS and target in LAYERS and LAYERS.index(target) > LAYERS.index(owner):
                offences.append((path.name, target))
            elif owner in LAYERS and target == "cli":
                offences.append((path.name, target))
            elif owner == "local" and target in {"build", "evaluate", "leaderboard", "cli"}:
                offences.append((path.name, target))
            elif owner in {"sources", "parse", "build"} and target == "local":
                offences.append((path.name, target))
    assert offences == []
