"""Progress on stderr (stdout stays for results), drawn only when stderr is a terminal: one bar
(``progress_bar``) for the import, the audit and eval, and a display of stages (``StageProgress``)
for the build."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


def _noop(n: int = 1, status: str | None = None) -> None:
    return None


@contextlib.contextmanager
def progress_bar(enabled: bool, label: str, total: int):
    """Yields ``advance(n=1, status=None)``: moves the bar by ``n`` and shows ``status`` (e.g. the
    accuracy so far) after it. A no-op when disabled, empty or not on a terminal."""
    if not enabled or total == 0:
        yield _noop
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    console = Console(stderr=True)
    if not console.is_terminal:  # logs and pipes get only results and error lines
        yield _noop
        return
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[status]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(label, total=total, status="")

        def advance(n: int = 1, status: str | None = None) -> None:
            if status is None:
                bar.advance(task, n)
            else:
                bar.update(task, advance=n, status=status)

        yield advance


class Stage:
    def __init__(self, progress, task):
        self._p, self._t = progress, task

    def advance(self, n: int = 1) -> None:
        if self._p is not None:
            self._p.advance(self._t, n)

    def grow(self, n: int = 1) -> None:
        """One more item of work discovered (stages whose total is not known up front)."""
        if self._p is not None:
            t = next(x for x in self._p.tasks if x.id == self._t)
            self._p.update(self._t, total=(t.total or 0) + n)

    def describe(self, text: str) -> None:
        if self._p is not None:
            self._p.update(self._t, description=text)


class StageProgress:
    """One rich progress display on stderr (when it is a terminal); each stage is a bar that
    completes when it ends."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self._p = None

    def __enter__(self) -> StageProgress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

            console = Console(stderr=True)
            if not console.is_terminal:  # logs and pipes get only results and error lines
                return self
            self._p = Progress(TextColumn("{task.description:<52}"), BarColumn(), MofNCompleteColumn(),
                               TimeElapsedColumn(), console=console, transient=False)
            self._p.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._p is not None:
            self._p.__exit__(*exc)

    @contextlib.contextmanager
    def stage(self, name: str, total: int | None) -> Iterator[Stage]:
        if self._p is None:
            yield Stage(None, None)
            return
        task = self._p.add_task(name, total=total)
        yield Stage(self._p, task)  # on an exception the bar stays where it stopped
        # Done: show the count of work actually done (a --limit or skips end a stage early).
        t = next(x for x in self._p.tasks if x.id == task)
        n = int(t.completed) or 1
        self._p.update(task, description=name, total=n, completed=n)
