"""The hub's secrets: its state folder and passwords only the hub's own user can read.

* The state folder (database, cookie secret, certificates) is mode 0700 and
  every file in it 0600, owned by the hub's user.
* Passwords and tokens come from files of mode 0600 (``..._FILE`` variables),
  so they are not in the environment of any process. The plain variables still
  work, with a warning: a process's environment is readable by its own user
  (and root), and is copied into the environment of what it starts.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

from campaign_lab.errors import BadInput

log = logging.getLogger(__name__)


def private_folder(folder: Path) -> Path:
    """Make ``folder`` (and every file directly in it) readable by its owner only."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)
    for entry in folder.iterdir():
        if entry.is_file() and not entry.is_symlink():
            entry.chmod(0o600)
    return folder


def ensure_private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if missing (so no one else can ever open it), else chmod it."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.close(descriptor)
    path.chmod(0o600)
    return path


def secret(name: str) -> str:
    """The secret ``name`` from the file ``$name_FILE`` (mode 0600 or stricter), else from ``$name``.

    Raises
    ------
    BadInput
        If the file is missing, empty, or readable by other users.
    """
    file_name = os.environ.get(f"{name}_FILE", "").strip()
    if file_name:
        return _read_secret_file(Path(file_name), name)
    value = os.environ.get(name, "").strip()
    if value:
        log.warning("%s is read from the environment; put it in a file of mode 0600 and set %s_FILE instead.",
                    name, name)
    return value


def _read_secret_file(path: Path, name: str) -> str:
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8").strip()
    except OSError as error:
        raise BadInput(f"{name}_FILE: cannot read {path} ({error.strerror}).") from None
    if stat.S_IMODE(info.st_mode) & 0o077:
        raise BadInput(f"{name}_FILE: {path} can be read by other users; run `chmod 600 {path}`.")
    if not text:
        raise BadInput(f"{name}_FILE: {path} is empty.")
    return text
