"""Data flows one way: sources -> parse -> crawl -> models -> generate -> reference -> evaluate ->
leaderboard -> export -> integrations. Nothing lower imports anything higher; the bottom (schema, errors, _util, release)
imports no layer; local/ (the 1-bit engine) imports no layer and is used by models/ and evaluate/
only; cli/ is the top and nothing imports it."""

import re
from pathlib import Path

import scalar

PACKAGE = Path(scalar.__file__).parent
LAYERS = ["sources", "parse", "crawl", "models", "generate", "reference", "evaluate", "leaderboard", "export",
          "integrations"]
BOTTOM = {"schema", "errors", "_util", "release", "registry", "run_folder"}
IMPORT = re.compile(r"^\s*(?:from|import)\s+scalar\.(\w+)", re.M)


def _owner(path: Path) -> str:
    rel = path.relative_to(PACKAGE).parts
    return rel[0].removesuffix(".py")


def _offences() -> list[tuple[str, str]]:
    offences = []
    for path in sorted(PACKAGE.rglob("*.py")):
        owner = _owner(path)
        for target in IMPORT.findall(path.read_text(encoding="utf-8")):
            if owner in BOTTOM and target not in BOTTOM:
                offences.append((str(path.relative_to(PACKAGE)), target))
            elif owner in LAYERS and target in LAYERS and LAYERS.index(target) > LAYERS.index(owner):
                offences.append((str(path.relative_to(PACKAGE)), target))
            elif owner != "cli" and target == "cli" and owner not in {"__main__"}:
                offences.append((str(path.relative_to(PACKAGE)), target))
            elif owner == "local" and target in LAYERS:
                offences.append((str(path.relative_to(PACKAGE)), target))
            elif owner in LAYERS and target == "local" and owner not in {"models", "evaluate"}:
                offences.append((str(path.relative_to(PACKAGE)), target))
    return offences


def test_no_layer_imports_a_higher_one():
    assert _offences() == []


def test_no_folder_named_build():
    # tools (black's default exclude, code maps) skip folders named build/
    assert not (PACKAGE / "build").exists()
    assert all(p.name != "build" for p in PACKAGE.rglob("*") if p.is_dir())


def test_every_package_is_placed():
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(LAYERS) | BOTTOM | {"cli", "local", "data"}, packages


def test_test_file_names_are_unique():
    # pytest imports test files by basename (rootdir mode): two test_x.py in different folders collide
    tests = Path(__file__).resolve().parent
    names = [p.name for p in tests.rglob("test_*.py")]
    assert sorted(n for n in set(names) if names.count(n) > 1) == []
