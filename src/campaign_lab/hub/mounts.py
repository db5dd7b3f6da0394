"""Let the trainees' servers reach the course's Python where it lies in a folder closed to them.

A Python installed by pyenv for root lives in ``/root/.pyenv``, and ``/root``
is mode 0700: no other account can start it, so no trainee's server could
start. Rather than open ``/root`` to everyone, each server gets a private view
of the file system (a mount namespace, made in its process before it becomes
the trainee): the closed folder is replaced by an empty one that holds only
the installation it needs, bound from the real one. Nothing else in ``/root``
is visible to it; nothing changes for anyone else.

:func:`closed_parents` finds what needs this (nothing, on a machine whose
Python is in ``/usr`` or ``/opt``); :func:`private_view` makes the view.
"""

from __future__ import annotations

import ctypes
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

CLONE_NEWNS = 0x00020000
MS_BIND, MS_MOVE, MS_REC, MS_PRIVATE = 4096, 8192, 16384, 1 << 18


def _closed_ancestor(path: Path) -> Path | None:
    """The outermost folder above ``path`` that other accounts cannot enter."""
    for parent in reversed(path.parents):
        if not os.stat(parent).st_mode & stat.S_IXOTH:
            return parent
    return None


def needed_paths() -> list[Path]:
    """What every server runs: the course's Python installation and environment."""
    return sorted({Path(p).resolve() for p in (sys.base_prefix, sys.prefix, Path(sys.executable).resolve().parent)})


def closed_parents(paths: Iterable[Path] | None = None) -> dict[str, list[str]]:
    """Closed folder -> the paths inside it that servers need (empty when all can be reached)."""
    plan: dict[str, list[str]] = {}
    for path in paths if paths is not None else needed_paths():
        closed = _closed_ancestor(path)
        if closed is not None:
            plan.setdefault(str(closed), [])
            if str(path) not in plan[str(closed)]:
                plan[str(closed)].append(str(path))
    return plan


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def private_view(plan: dict[str, list[str]], staging: str) -> None:
    """In the calling process (root, before exec): each closed folder shows only its needed paths.

    ``staging`` is an empty folder outside the closed ones, used while the view is built.
    """
    libc = _libc()
    _call(libc.unshare(CLONE_NEWNS), "unshare")
    _call(libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None), "make mounts private")
    for closed, keep in plan.items():
        _call(libc.mount(b"tmpfs", staging.encode(), b"tmpfs", 0, b"mode=0711,size=64k"), "tmpfs")
        for path in keep:
            inside = os.path.join(staging, os.path.relpath(path, closed))
            os.makedirs(inside, exist_ok=True)
            _call(libc.mount(path.encode(), inside.encode(), None, MS_BIND | MS_REC, None), f"bind {path}")
        for folder, subfolders, _ in os.walk(staging):  # only the tmpfs's own folders, not the bound ones
            os.chmod(folder, 0o711)
            subfolders[:] = [name for name in subfolders if not os.path.ismount(os.path.join(folder, name))]
        _call(libc.mount(staging.encode(), closed.encode(), None, MS_MOVE, None), f"cover {closed}")
