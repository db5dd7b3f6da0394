"""Where the course is running, and what that means for what a trainee types.

The README's promise "nothing leaves your computer" holds on a laptop only. On
a public Binder the notebooks and the AI model run on someone else's server;
on a JupyterHub they run on the course's server. Binder and JupyterHub say so
in the environment variables they give every server they start.

Examples
--------
>>> where_it_runs({})
"Where this runs: on this computer. Your notebooks, the data and the course's AI model stay here; nothing you type leaves it (unless your trainer sets a hosted AI service in .env)."
>>> "someone else's server" in where_it_runs({"BINDER_LAUNCH_HOST": "https://mybinder.org/"})
True
"""

from __future__ import annotations

import os
from typing import Mapping
from urllib.parse import urlsplit

__all__ = ["where_it_runs"]

# Set by BinderHub for every server it launches (binderhub's spawner).
_BINDER_VARIABLES = ("BINDER_LAUNCH_HOST", "BINDER_REPO_URL", "BINDER_REQUEST", "BINDER_REF_URL", "BINDER_PERSISTENT_REQUEST")
# Set by JupyterHub for every single-user server (jupyterhub's Spawner.get_env).
_HUB_VARIABLES = ("JUPYTERHUB_API_URL", "JUPYTERHUB_USER", "JUPYTERHUB_SERVICE_PREFIX")


def where_it_runs(environ: Mapping[str, str] | None = None) -> str:
    """One line: on Binder, a JupyterHub or this computer, and what leaves the machine there."""
    environ = os.environ if environ is None else environ
    if any(environ.get(name) for name in _BINDER_VARIABLES):
        return ("Where this runs: on a public Binder server" + _host(environ.get("BINDER_LAUNCH_HOST")) + ", not on your "
                "computer. The notebooks, the AI model and everything you type are on someone else's server, and all "
                "of it is deleted when you close it or leave it idle: type only the course's made-up data, and "
                "download work you want to keep.")
    if any(environ.get(name) for name in _HUB_VARIABLES):
        return ("Where this runs: on your course's JupyterHub server" + _host(environ.get("JUPYTERHUB_PUBLIC_HUB_URL"))
                + ", not on your computer. What you type and save is kept on that server, run by your course's "
                "organisers: type only the course's made-up data.")
    return ("Where this runs: on this computer. Your notebooks, the data and the course's AI model stay here; nothing "
            "you type leaves it (unless your trainer sets a hosted AI service in .env).")


def _host(url: str | None) -> str:
    host = urlsplit(url or "").hostname
    return f" ({host})" if host else ""
