"""Close the course folder to trainees, open it to trainers.

The course folder holds what trainees must never read: the source notebooks
with their solutions (``notebooks/``, and the git history in ``.git``), the
gradebook (``var/gradebook.db``), everyone's submissions and feedback. It can
also hold what every server needs: the Python environment (``.venv``), the
course package (``src``), the grading settings (``graders``) and the datasets.

:func:`close_to_trainees` therefore leaves the folder itself traversable but
not listable (mode 2771: a trainee can open ``.venv/bin/python`` by its name,
but cannot list the folder), leaves :data:`OPEN_TO_ALL` as they are, and makes
everything else group-owned by the trainers' group, readable and writable by
it, and closed to others. New files there stay the trainers' group's (set-gid
folders). Folders given in ``keep_private`` (the hub's own state) are skipped:
their mode is the hub's business.
"""

from __future__ import annotations

import grp
import os
import stat
from collections.abc import Iterable
from pathlib import Path

#: What trainees' servers need from the course folder.
OPEN_TO_ALL = frozenset({".venv", "src", "graders", "datasets"})


def close_to_trainees(root: Path, trainers_group: str, keep_private: Iterable[Path] = ()) -> int:
    """Set the course folder's permissions; return how many entries were changed."""
    root = Path(root).resolve()
    gid = grp.getgrnam(trainers_group).gr_gid
    skipped = {Path(path).resolve() for path in keep_private}
    changed = _set(root, gid, 0o2771)
    for entry in root.iterdir():
        if entry.name in OPEN_TO_ALL or entry.resolve() in skipped:
            continue
        changed += _close_tree(entry, gid, skipped)
    return changed


def _close_tree(top: Path, gid: int, skipped: set[Path]) -> int:
    changed = _close(top, gid)
    if not top.is_dir() or top.is_symlink():
        return changed
    for folder, subfolders, files in os.walk(top):
        subfolders[:] = [name for name in subfolders if (Path(folder) / name).resolve() not in skipped]
        for name in (*subfolders, *files):
            changed += _close(Path(folder) / name, gid)
    return changed


def _close(path: Path, gid: int) -> int:
    """Trainers' group: read and write (and enter folders); others: nothing."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return 0
    mode = stat.S_IMODE(info.st_mode)
    group_bits = ((mode >> 3) | 0o6) & 0o7 if not stat.S_ISDIR(info.st_mode) else 0o7
    if stat.S_ISREG(info.st_mode) and mode & 0o100:
        group_bits |= 0o1  # an executable stays executable for the group
    wanted = (mode & 0o7700) | (group_bits << 3)
    if stat.S_ISDIR(info.st_mode):
        wanted |= stat.S_ISGID
    return _set(path, gid, wanted, info)


def _set(path: Path, gid: int, mode: int, info: os.stat_result | None = None) -> int:
    info = info or path.lstat()
    changed = 0
    if info.st_gid != gid:
        os.lchown(path, -1, gid)
        changed = 1
    if stat.S_IMODE(info.st_mode) != mode:
        path.chmod(mode)
        changed = 1
    return changed
