"""The spawner: each hub user's server runs as their own system account, inside their own limits.

:class:`CohortSpawner` is JupyterHub's ``LocalProcessSpawner`` with three
changes:

* the server runs as the hub user's system account (``jupyter-<name>``, see
  :mod:`.accounts`), made on first start if the roster did not make it;
  trainers' accounts are in the trainers group, trainees' are not;
* before it becomes that user, the server's process enters a control group
  with the memory, CPU and process limits of :mod:`.limits` (everything it
  starts, kernels and terminals included, stays in it);
* where the course's Python lies in a folder closed to other accounts (pyenv
  in ``/root``), the server sees only that installation there (:mod:`.mounts`);
* when the server stops, whatever is left in its group is killed and the
  group removed: a kernel or a fork that outlived its server does not linger.

Files a trainee makes are private (umask 077), temporary files included
(``TMPDIR`` is a folder in their home); files a trainer makes are shared with
the other trainers (umask 007).
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Any, Bool, Dict, Instance, Unicode

from campaign_lab.hub.accounts import Accounts
from campaign_lab.hub.limits import Cgroup, Limits
from campaign_lab.hub.mounts import private_view


class CohortSpawner(LocalProcessSpawner):
    """A local process per server, as the user's own system account, in a control group."""

    accounts = Instance(Accounts, help="The hub's system accounts.").tag(config=True)
    limits = Instance(Limits, allow_none=True, help="Per-trainee limits; None: no control group.").tag(config=True)
    is_trainer = Bool(False, help="Set by the hub's pre-spawn hook for trainers.")
    private_view = Dict(help="Closed folder -> what servers need in it (campaign_lab.hub.mounts).").tag(config=True)
    view_staging = Unicode("", help="An empty folder, outside the closed ones, to build that view in.").tag(config=True)
    cgroup = Any(None, allow_none=True)

    def _account(self) -> pwd.struct_passwd:
        return self.accounts.ensure(self.user.name, trainer=self.is_trainer)

    def make_preexec_fn(self, name):
        account = self._account()
        become_user = set_user_setuid(account.pw_name)
        self.cgroup = Cgroup.create(account.pw_name, self.limits) if self.limits else None
        cgroup, umask = self.cgroup, 0o007 if self.is_trainer else 0o077
        view, staging = dict(self.private_view), self.view_staging

        def preexec():
            if cgroup is not None:
                cgroup.join()  # still root here: the trainee cannot leave it afterwards
            if view:
                private_view(view, staging)
            os.umask(umask)
            become_user()

        return preexec

    def user_env(self, env):
        account = self._account()
        env.update(USER=account.pw_name, HOME=account.pw_dir, SHELL=account.pw_shell or "/bin/bash",
                   TMPDIR=str(_private_tmp(account)))
        return env

    async def move_certs(self, paths):  # internal SSL is not used by this hub
        raise NotImplementedError("internal_ssl is not supported by CohortSpawner")

    async def stop(self, now=False):
        await super().stop(now=now)
        if self.cgroup is None and self.limits is not None:
            self.cgroup = self._existing_cgroup()
        if self.cgroup is not None:
            self.cgroup.remove()  # kernels and forks that outlived the server
            self.cgroup = None

    def _existing_cgroup(self):
        """The server's group after a hub restart (the spawner object is new)."""
        try:
            return Cgroup.create(self.accounts.system_name(self.user.name), self.limits)
        except Exception:  # noqa: BLE001 - stopping must not fail over clean-up
            return None


def _private_tmp(account: pwd.struct_passwd) -> Path:
    """A temporary folder of the user's own: /tmp is shared, and a course file there would be the first trainee's."""
    folder = Path(account.pw_dir) / ".tmp"
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chown(folder, account.pw_uid, account.pw_gid)
    folder.chmod(0o700)
    return folder
