"""The consoles SCALAR prints results on: text exactly as given. Rich markup would swallow anything
in square brackets that reads like a style tag (an output folder "runs/[dense]", a model name, a
warning quoting a prompt) and emoji codes would turn ":smile:" in a title into a picture; where a
style is wanted it is set with ``rich.text.Text``, not markup."""

from __future__ import annotations

from typing import Any


def plain_console(**kwargs: Any):
    """A ``rich.console.Console`` (same keyword arguments) with markup and emoji codes off."""
    from rich.console import Console

    return Console(markup=False, emoji=False, **kwargs)


__all__ = ["plain_console"]
