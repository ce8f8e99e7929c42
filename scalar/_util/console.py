"""The consoles SCALAR prints results on: text exactly as given. Rich markup would swallow anything
in square brackets that reads like a style tag (an output folder "runs/[dense]", a model name, a
warning quoting a prompt) and emoji codes would turn ":smile:" in a title into a picture; where a
style is wanted it is set with ``rich.text.Text``, not markup."""

from __future__ import annotations

from typing import Any

PIPE_WIDTH = 200  # columns for a results table written to a pipe or a log


def plain_console(**kwargs: Any):
    """A ``rich.console.Console`` (same keyword arguments) with markup and emoji codes off. Written
    to a pipe or a log it is ``PIPE_WIDTH`` wide unless ``width=`` says otherwise: rich would use
    $COLUMNS or 80 there (readline exports COLUMNS=80 to the children of many Python processes)
    and cut an audit's check names to "dense_w2…"."""
    from rich.console import Console

    console = Console(markup=False, emoji=False, **kwargs)
    if "width" not in kwargs and not console.is_terminal:
        console.width = PIPE_WIDTH
    return console


__all__ = ["PIPE_WIDTH", "plain_console"]
