"""One system account per hub user, made the way The Littlest JupyterHub makes them.

A hub user ``amina`` runs her server as the system user ``jupyter-amina``
(the prefix keeps hub names from ever meaning ``root`` or ``daemon``), whose
home is hers alone (mode 0700). Trainers' accounts are also in the trainers
group, which may read and write the course folder; trainees' accounts are in
the trainees group, which marks them as made by the hub: an account that
exists but is in neither group is never used or changed.

Everything is set with environment variables (read by
:meth:`Accounts.from_environment`):

=================================  ===================================  ===========================
variable                           what                                 default
=================================  ===================================  ===========================
CAMPAIGN_LAB_HUB_USER_PREFIX       system name = prefix + hub name      ``jupyter-``
CAMPAIGN_LAB_HUB_HOMES             where the homes are made             ``/home``
CAMPAIGN_LAB_HUB_TRAINERS_GROUP    group that may read the course       ``campaign-lab-trainers``
CAMPAIGN_LAB_HUB_TRAINEES_GROUP    group of the trainees' accounts      ``campaign-lab-trainees``
=================================  ===================================  ===========================
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from campaign_lab.errors import BadInput, LabError

#: Hub names: lower case, a letter first, as Linux account names must be (32 characters with the prefix).
HUB_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,22}$")
SYSTEM_NAME_MAX = 32


def _setting(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def check_name(name: str) -> str:
    """Return ``name`` if it can be a hub user's name, else raise BadInput saying why.

    Examples
    --------
    >>> check_name("amina")
    'amina'
    >>> check_name("Root!")
    Traceback (most recent call last):
    ...
    campaign_lab.errors.BadInput: 'Root!' cannot be a user name: use 1-23 lower-case letters, digits, - or _, starting with a letter.
    """
    if not HUB_NAME.match(name):
        raise BadInput(f"{name!r} cannot be a user name: use 1-23 lower-case letters, digits, - or _, "
                       "starting with a letter.")
    return name


def _run(argv: list[str]) -> None:
    result = subprocess.run(argv, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise LabError(f"{argv[0]} failed: {detail[-1] if detail else f'exit code {result.returncode}'}")


@dataclass(frozen=True)
class Accounts:
    """The system accounts of one hub."""

    prefix: str = "jupyter-"
    homes: Path = Path("/home")
    trainers_group: str = "campaign-lab-trainers"
    trainees_group: str = "campaign-lab-trainees"

    @classmethod
    def from_environment(cls) -> Accounts:
        return cls(
            prefix=_setting("CAMPAIGN_LAB_HUB_USER_PREFIX", cls.prefix),
            homes=Path(_setting("CAMPAIGN_LAB_HUB_HOMES", str(cls.homes))),
            trainers_group=_setting("CAMPAIGN_LAB_HUB_TRAINERS_GROUP", cls.trainers_group),
            trainees_group=_setting("CAMPAIGN_LAB_HUB_TRAINEES_GROUP", cls.trainees_group),
        )

    # -- names ---------------------------------------------------------------------
    @property
    def name_pattern(self) -> str:
        """The hub names allowed (JupyterHub's ``Authenticator.username_pattern``)."""
        return HUB_NAME.pattern

    def system_name(self, name: str) -> str:
        """``amina`` -> ``jupyter-amina``.

        Examples
        --------
        >>> Accounts().system_name("amina")
        'jupyter-amina'
        """
        system = self.prefix + check_name(name)
        if len(system) > SYSTEM_NAME_MAX:
            raise BadInput(f"{name!r} is too long for a system account with the prefix {self.prefix!r}.")
        return system

    def home(self, name: str) -> Path:
        return self.homes / self.system_name(name)

    def group_of(self, trainer: bool) -> str:
        return self.trainers_group if trainer else self.trainees_group

    # -- looking up ------------------------------------------------------------------
    def lookup(self, name: str) -> pwd.struct_passwd | None:
        """The account of hub user ``name`` if it exists and the hub made it, else None.

        Raises
        ------
        BadInput
            If a system account of that name exists but the hub did not make it.
        """
        system = self.system_name(name)
        try:
            entry = pwd.getpwnam(system)
        except KeyError:
            return None
        if not self._made_by_hub(system):
            raise BadInput(f"a system account {system!r} already exists and is not one of this hub's; "
                           "pick another name or another CAMPAIGN_LAB_HUB_USER_PREFIX.")
        return entry

    def _made_by_hub(self, system: str) -> bool:
        groups = {self.trainers_group, self.trainees_group}
        return any(system in _members(group) for group in groups)

    def hub_names(self, trainer: bool = False) -> list[str]:
        """Hub names of every account in the trainers (or trainees) group."""
        return sorted(member.removeprefix(self.prefix) for member in _members(self.group_of(trainer))
                      if member.startswith(self.prefix))

    # -- making ------------------------------------------------------------------------
    def ensure_groups(self) -> None:
        for group in (self.trainers_group, self.trainees_group):
            if not _group_exists(group):
                _run(["groupadd", "--system", group])

    def ensure(self, name: str, trainer: bool = False) -> pwd.struct_passwd:
        """Make hub user ``name``'s account if missing (idempotent); return it.

        A trainee is never in the trainers group, and the other way round: an
        account that changed role is moved.
        """
        entry = self.lookup(name)
        system = self.system_name(name)
        self.ensure_groups()
        if entry is None:
            self.homes.mkdir(parents=True, exist_ok=True)
            _run(["useradd", "--create-home", "--home-dir", str(self.home(name)), "--shell", "/bin/bash",
                  "--user-group", "--groups", self.group_of(trainer),
                  "--comment", f"campaign-lab {'trainer' if trainer else 'trainee'} {name}", system])
            entry = pwd.getpwnam(system)
        elif system not in _members(self.group_of(trainer)):
            _run(["usermod", "--groups", self.group_of(trainer), system])  # replaces the other role's group
        home = Path(entry.pw_dir)
        home.mkdir(mode=0o700, exist_ok=True)
        os.chown(home, entry.pw_uid, entry.pw_gid)
        home.chmod(0o700)  # TLJH: other users cannot list or read it
        return entry

    def remove(self, name: str) -> None:
        """Delete the account of hub user ``name`` and its home (only an account this hub made)."""
        entry = self.lookup(name)
        if entry is None:
            return
        _run(["userdel", entry.pw_name])
        shutil.rmtree(entry.pw_dir, ignore_errors=True)
        if _group_exists(entry.pw_name):  # the user's own group, if userdel left it
            _run(["groupdel", entry.pw_name])

    def remove_groups(self) -> None:
        for group in (self.trainers_group, self.trainees_group):
            if _group_exists(group) and not _members(group):
                _run(["groupdel", group])


def _group_exists(group: str) -> bool:
    try:
        grp.getgrnam(group)
    except KeyError:
        return False
    return True


def _members(group: str) -> list[str]:
    try:
        return list(grp.getgrnam(group).gr_mem)
    except KeyError:
        return []
