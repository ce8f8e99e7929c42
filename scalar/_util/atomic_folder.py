"""One way to write an output folder (a release, a leaderboard snapshot): all or nothing, and never
at the cost of the user's own files.

The content is written into a hidden temporary sibling, which is then swapped into place (one atomic
exchange on Linux, else two renames): the old folder is moved aside and removed only after the new
one is in place, and put back if the swap fails. Readers see the old folder or the new one, never
half of either.

The folder-replacement rule (the same for every writer):

- a missing or empty folder is written;
- a folder that is not ours (no ownership record and no ``marker`` file) and holds anything is
  refused with one line (ScalarError -> exit 2), so ``--out ~`` cannot wipe a home folder, and so is
  the current working folder or one of its parents;
- a folder we wrote before is replaced, but every file in it we did not write (notes, run folders,
  anything not listed in its ownership record ``.scalar-owned.json``) is carried over to the new folder
  at the same relative path; if the new content wants one of those paths the write is refused before
  anything changes. Folders written before ownership records existed count the writer's declared
  top-level names (``owned``) as ours;
- what a writer killed outright left beside the folder is removed by the next write, unless it holds
  a file of the user's.

The rule is documented for users in docs/file-formats.md ("Replacing a folder").
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from scalar._util.io import _UMASK, atomic_write_text
from scalar.errors import InputError

__all__ = ["OWNERSHIP_RECORD", "check_target", "owned_entries", "write_folder"]

OWNERSHIP_RECORD = ".scalar-owned.json"  # lists what the writer put in the folder; hidden
_RECORD_FORMAT = "scalar-owned/1"

T = TypeVar("T")


def check_target(out: str | os.PathLike, *, kind: str, marker: str) -> Path:
    """Refuse (InputError, one line) a target that must not be written; return its absolute path.

    Called by ``write_folder`` and, earlier, by commands that want to refuse before long work."""
    out = _absolute(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out} exists and is not a folder; choose another --out")
    cwd, real = Path.cwd().resolve(), out.resolve()
    if real == cwd or real in cwd.parents:
        raise InputError(f"{out} is the current folder or contains it; choose another --out")
    if out.is_dir() and not _is_ours(out, marker) and any(out.iterdir()):
        raise InputError(f"{out} exists and is not a {kind}: it holds other files (nothing was changed); "
                         "choose another --out")
    return out


def write_folder(out: str | os.PathLike, fill: Callable[[Path], T], *, kind: str, marker: str,
                 owned: Iterable[str] = ()) -> T:
    """Run ``fill(tmp)`` to write the new content into a temporary sibling of ``out``, then swap it in.

    ``kind`` names the folder in messages ("release"); ``marker`` is a file every folder of this kind
    holds (recognises folders written before ownership records); ``owned``: the top-level names the
    writer owns in such a folder. Returns what ``fill`` returned. On any failure the previous folder,
    and every file of the user's in it, is as it was, and no temporary folder is left behind."""
    out = check_target(out, kind=kind, marker=marker)
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(out, owned=tuple(owned))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{os.getpid()}-", suffix=".tmp", dir=out.parent))
    try:
        result = fill(tmp)
        _write_record(tmp)
        _swap(tmp, out, kind=kind, owned=tuple(owned))
    except _RollbackFailed:
        raise  # tmp holds the user's files: the message says where; never delete it
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)  # _swap moved every user file back before raising
        raise
    _fsync_dir(out.parent)
    return result


def owned_entries(folder: str | os.PathLike, owned: Iterable[str] = ()) -> set[str]:
    """Relative POSIX paths (files and folders) the writer owns in ``folder``: its ownership record,
    or, without one, everything under the declared top-level names ``owned``."""
    folder = Path(folder)
    record = folder / OWNERSHIP_RECORD
    if record.is_file():
        try:
            data = json.loads(record.read_text(encoding="utf-8"))
            entries = data["entries"] if data.get("format") == _RECORD_FORMAT else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            entries = None
        if isinstance(entries, list):
            return {e for e in entries if isinstance(e, str) and _safe_relative(e)}
    found: set[str] = set()
    for name in owned:
        top = folder / name
        if top.is_dir() and not top.is_symlink():
            found.add(name)
            found.update(_walk(top, name))
        elif top.is_file() or top.is_symlink():
            found.add(name)
    return found


# --------------------------------------------------------------------------- the swap


class _RollbackFailed(InputError):
    """The swap failed and so did putting things back; the message says where the files are."""


def _swap(tmp: Path, out: Path, *, kind: str, owned: tuple[str, ...]) -> None:
    if not out.exists():
        os.chmod(tmp, 0o777 & ~_UMASK)  # mkdtemp makes it private; an output folder is an ordinary one
        os.rename(tmp, out)
        return
    foreign = _foreign(out, owned_entries(out, owned))
    clash = next((rel for rel in foreign if _occupied(tmp, rel)), None)
    if clash is not None:
        raise InputError(f"{out / clash} was not written by scalar and the new {kind} needs that path; "
                         "move it away and run again (nothing was changed)")
    os.chmod(tmp, stat.S_IMODE(out.stat().st_mode))  # keep the permissions the user gave the folder
    moved: list[str] = []
    aside: Path | None = None
    try:
        for rel in foreign:
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            os.rename(out / rel, tmp / rel)
            moved.append(rel)
        if _exchange(tmp, out):
            aside = tmp  # now holds the previous folder; ``out`` was never missing
        else:
            old = out.with_name(f".{out.name}.old-{tmp.name[len(out.name) + 2:-4]}")  # .NAME.old-PID-XXXX
            os.rename(out, old)
            aside = old
            os.rename(tmp, out)
    except BaseException as e:
        try:
            if aside is not None:
                os.rename(aside, out)
            for rel in reversed(moved):
                os.rename(tmp / rel, out / rel)
        except OSError:
            raise _RollbackFailed(f"writing {out} failed ({e}) and restoring it failed too: the previous "
                                  f"{kind} is in {aside or out}, your other files in {tmp}") from None
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``), so that readers
    never find ``b`` missing; False where the system or file system cannot (then: two renames)."""
    libc = _libc()
    if libc is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if libc.renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


@functools.lru_cache(maxsize=1)
def _libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc if hasattr(libc, "renameat2") else None  # glibc >= 2.28
    except OSError:
        return None


def _foreign(folder: Path, owned: set[str]) -> list[str]:
    """The topmost paths in ``folder`` not owned: whole foreign folders, single foreign files."""
    owned_dirs = {str(Path(p).parent.as_posix()) for p in owned} | owned
    out: list[str] = []

    def visit(rel: str) -> None:
        with os.scandir(folder / rel if rel else folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            path = f"{rel}/{entry.name}" if rel else entry.name
            if path == OWNERSHIP_RECORD:
                continue
            if entry.is_dir(follow_symlinks=False) and path in owned_dirs:
                visit(path)
            elif path not in owned:
                out.append(path)

    visit("")
    return out


def _occupied(tmp: Path, rel: str) -> bool:
    """Whether the new content already uses ``rel`` (or a file stands where one of its folders would)."""
    if os.path.lexists(tmp / rel):
        return True
    parent = tmp
    for part in Path(rel).parts[:-1]:
        parent = parent / part
        if os.path.lexists(parent) and not parent.is_dir():
            return True
    return False


# --------------------------------------------------------------------------- the record


def _write_record(tmp: Path) -> None:
    entries = sorted(_walk(tmp, ""))
    record = {"format": _RECORD_FORMAT, "note": "files written by scalar; anything else here is kept "
              "when the folder is rewritten", "entries": entries}
    atomic_write_text(tmp / OWNERSHIP_RECORD, json.dumps(record, indent=1, ensure_ascii=False) + "\n")


def _walk(folder: Path, prefix: str) -> set[str]:
    found: set[str] = set()
    for root, dirs, files in os.walk(folder):
        rel = Path(root).relative_to(folder).as_posix()
        base = prefix if rel == "." else (f"{prefix}/{rel}" if prefix else rel)
        for name in dirs + files:
            path = f"{base}/{name}" if base else name
            if path != OWNERSHIP_RECORD:
                found.add(path)
    return found


def _safe_relative(p: str) -> bool:
    parts = Path(p).parts
    return bool(parts) and not Path(p).is_absolute() and ".." not in parts


def _absolute(out: str | os.PathLike) -> Path:
    """Absolute path without resolving parent symlinks; an output folder that is itself a symlink
    means its target (the content is replaced there, the link stays)."""
    path = Path(os.path.abspath(out))
    return path.resolve() if path.is_symlink() else path


# --------------------------------------------------------------------------- leftovers of killed writers


def _remove_stale_siblings(out: Path, owned: tuple[str, ...]) -> None:
    """Remove what a writer killed outright (SIGKILL, power loss) left beside ``out``: a temporary
    folder ``.NAME.PID-XXXX.tmp`` or an old one ``.NAME.old-PID-XXXX`` whose process is gone, but
    only when it holds nothing of the user's (a temporary folder without an ownership record was
    killed while being filled; with one, only if every entry is listed in it). Anything else stays."""
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(?:(\d+)-[^./]+\.tmp|old-(\d+)-[^./]+)")
    with contextlib.suppress(OSError):
        for sibling in out.parent.iterdir():
            m = pattern.fullmatch(sibling.name)
            if m is None or not sibling.is_dir() or sibling.is_symlink() or _alive(int(m[1] or m[2])):
                continue
            if m[2] is not None and not out.is_dir():
                continue  # killed between its two renames: the previous folder waits here, keep it
            if (sibling / OWNERSHIP_RECORD).is_file() and _foreign(sibling, owned_entries(sibling)):
                continue  # the user's files are in it
            shutil.rmtree(sibling, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _is_ours(folder: Path, marker: str) -> bool:
    return (folder / OWNERSHIP_RECORD).is_file() or (folder / marker).is_file()


def _fsync_dir(folder: Path) -> None:
    """Make the renames durable (best effort: not every file system lets a folder be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
