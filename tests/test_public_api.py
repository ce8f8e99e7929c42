"""The public API: every package lists its names in ``__all__``, each resolves, and importing a
package costs nothing heavy until a name is used."""

import importlib
import subprocess
import sys

import pytest

PACKAGES = ["scalar", "scalar.parse", "scalar.crawl", "scalar.generate", "scalar.reference", "scalar.release",
            "scalar.models", "scalar.evaluate", "scalar.leaderboard"]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves(name):
    module = importlib.import_module(name)
    assert module.__all__, name
    for attr in module.__all__:
        assert getattr(module, attr) is not None, f"{name}.{attr}"


def test_unknown_name_is_an_attribute_error():
    import scalar

    with pytest.raises(AttributeError, match="no_such_thing"):
        scalar.no_such_thing  # noqa: B018


def test_importing_the_packages_loads_no_heavy_dependency():
    code = ("import sys\n" + "".join(f"import {p}\n" for p in PACKAGES)
            + "heavy = ['litellm', 'lxml', 'fitz', 'pymupdf', 'torch', 'numba', 'matplotlib', 'pandas', 'scipy', "
              "'openreview', 'arxiv']\n"
            + "print(','.join(m for m in heavy if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ""
