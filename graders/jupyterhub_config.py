"""JupyterHub for one cohort on one machine, where trainees cannot reach each other, the solutions or the hub.

Start it as root from the project folder (after ``make install``)::

    install -m 600 /dev/null /root/trainer-password && edit it   # 32 characters or more
    install -m 600 /dev/null /root/trainees-password && edit it  # 8 characters or more
    campaign-lab hub roster cohort.csv                           # the trainees' accounts
    CAMPAIGN_LAB_HUB_TRAINER_PASSWORD_FILE=/root/trainer-password \\
    CAMPAIGN_LAB_HUB_PASSWORD_FILE=/root/trainees-password \\
    .venv/bin/jupyterhub -f graders/jupyterhub_config.py

How it keeps people apart (docs/jupyterhub.md says more):

* every hub user's server runs as their own system account, ``jupyter-<name>``,
  with a home of mode 0700, made by ``campaign-lab hub roster`` or on first
  start (``campaign_lab.hub.accounts``); no server runs as root;
* trainers' accounts are in the trainers group, which may read and write the
  course folder; trainees may only open what their servers need in it
  (``campaign_lab.hub.course_access``): not the source notebooks, the
  gradebook, submissions or the git history;
* each trainee's server, and all it starts, is held to memory, CPU and process
  limits by a control group (``campaign_lab.hub.limits``);
* the hub's state folder (database, cookie secret, certificate) is readable by
  root only, and the passwords come from files of mode 0600;
* servers idle for an hour are stopped (``jupyterhub-idle-culler``);
* beyond the loopback the hub speaks HTTPS (``campaign_lab.hub.tls``).

Everything is set with environment variables, so the same file serves a
classroom server and the tests:

========================================  ===============================================  ========================
variable                                  what                                             default
========================================  ===============================================  ========================
CAMPAIGN_LAB_HUB_TRAINERS                 trainer accounts (comma-separated)               ``trainer``
CAMPAIGN_LAB_HUB_TRAINEES                 trainee accounts besides the roster's; with      (empty)
                                          neither, anyone with the shared password
                                          picks a name
CAMPAIGN_LAB_HUB_PASSWORD_FILE            file (mode 0600) with the trainees' shared       none: no trainee login
                                          password (8+ characters)
CAMPAIGN_LAB_HUB_TRAINER_PASSWORD_FILE    file (mode 0600) with the trainers' password     none: no trainer login
                                          (32+ characters)
CAMPAIGN_LAB_HUB_SERVICE_TOKEN_FILE       file (mode 0600) with an API token for scripts   none
CAMPAIGN_LAB_HUB_IP                       address the hub listens on (0.0.0.0 for a LAN)   ``127.0.0.1``
CAMPAIGN_LAB_HUB_PORT                     the hub's public port                            ``8000``
CAMPAIGN_LAB_HUB_API_PORT                 the hub's internal API port                      ``8081``
CAMPAIGN_LAB_HUB_PROXY_API_PORT           the proxy's API port                             ``8001``
CAMPAIGN_LAB_HUB_SSL_CERT, ..._SSL_KEY    your certificate and key for HTTPS               self-signed beyond
                                                                                           the loopback
CAMPAIGN_LAB_HUB_DIR                      hub state: database, secrets (mode 0700)         ``var/hub``
CAMPAIGN_LAB_EXCHANGE                     nbgrader's exchange, shared by every server      ``/srv/nbgrader/exchange``
CAMPAIGN_LAB_ROOT                         the course folder the trainers grade in          this project
CAMPAIGN_LAB_HUB_IDLE_TIMEOUT             seconds before an idle server is stopped (0:     ``3600``
                                          never)
CAMPAIGN_LAB_HUB_MEM_LIMIT, ..._CPU_LIMIT,  per-trainee limits (``2G``, cores, processes)  see limits.py
..._PIDS_LIMIT
CAMPAIGN_LAB_HUB_USER_PREFIX, ..._HOMES,    system accounts                                see accounts.py
..._TRAINERS_GROUP, ..._TRAINEES_GROUP
========================================  ===============================================  ========================

CAMPAIGN_LAB_PROVIDER, CAMPAIGN_LAB_BASE_URL and CAMPAIGN_LAB_MODEL, if set, are passed on to every
server (one model server for the room); nothing else of the hub's environment is.

The passwords and the token may also be given as CAMPAIGN_LAB_HUB_PASSWORD,
..._TRAINER_PASSWORD and ..._SERVICE_TOKEN (the hub warns: a file is safer).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from campaign_lab.errors import LabError
from campaign_lab.hub import course_access, mounts, tls
from campaign_lab.hub.accounts import Accounts
from campaign_lab.hub.limits import Limits
from campaign_lab.hub.state import ensure_private_file, private_folder, secret

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

if os.geteuid() != 0:
    sys.exit("jupyterhub_config.py: the cohort hub runs as root, to give every trainee a system account "
             "of their own. Start it with sudo.")
os.umask(0o077)  # whatever the hub writes is its own


def _checked(make):
    """A setting the trainer gave, or one line saying what is wrong with it (no traceback)."""
    try:
        return make()
    except LabError as error:
        sys.exit(f"jupyterhub_config.py: {error}")


def _setting(name, default=""):
    return os.environ.get(name, "").strip() or default


def _names(name, default=""):
    return [part.strip() for part in _setting(name, default).split(",") if part.strip()]


PROJECT = Path(__file__).resolve().parent.parent
COURSE_ROOT = Path(_setting("CAMPAIGN_LAB_ROOT", str(PROJECT))).resolve()
HUB_DIR = Path(_setting("CAMPAIGN_LAB_HUB_DIR", str(COURSE_ROOT / "var" / "hub"))).resolve()
EXCHANGE = Path(_setting("CAMPAIGN_LAB_EXCHANGE", "/srv/nbgrader/exchange")).resolve()
ACCOUNTS = Accounts.from_environment()
TRAINERS = _names("CAMPAIGN_LAB_HUB_TRAINERS", "trainer")
TRAINEES = sorted(set(_names("CAMPAIGN_LAB_HUB_TRAINEES")) | set(ACCOUNTS.hub_names(trainer=False)) - set(TRAINERS))
_checked(lambda: [ACCOUNTS.system_name(name) for name in [*TRAINERS, *TRAINEES]])  # each can be an account
LIMITS = _checked(Limits.from_environment)
TRAINER_PASSWORD = _checked(lambda: secret("CAMPAIGN_LAB_HUB_TRAINER_PASSWORD"))
TRAINEES_PASSWORD = _checked(lambda: secret("CAMPAIGN_LAB_HUB_PASSWORD"))
SERVICE_TOKEN = _checked(lambda: secret("CAMPAIGN_LAB_HUB_SERVICE_TOKEN"))
BIN = Path(sys.executable).parent  # the course's environment: jupyterhub-singleuser, the proxy

# -- who may read what ---------------------------------------------------------------
private_folder(HUB_DIR)
(COURSE_ROOT / "var").mkdir(exist_ok=True)  # the grading settings expect it (closed to trainees, below)
ACCOUNTS.ensure_groups()
course_access.close_to_trainees(COURSE_ROOT, ACCOUNTS.trainers_group, keep_private=[HUB_DIR])


def _generate_datasets():
    """Trainees can only read the datasets folder: make the classroom data now, readable by all.

    In a process of its own, so the hub does not keep the generator's memory.
    """
    subprocess.run([sys.executable, "-c", "from campaign_lab import data; data.ensure_data(progress=False)"],
                   env={**os.environ, "CAMPAIGN_LAB_ROOT": str(COURSE_ROOT)}, umask=0o022, check=True)


_generate_datasets()
EXCHANGE.mkdir(parents=True, exist_ok=True)
os.chmod(EXCHANGE, 0o1777)  # nbgrader's docs: everyone writes; the sticky bit: nobody deletes others' files

# -- addresses and state ---------------------------------------------------------
IP = _setting("CAMPAIGN_LAB_HUB_IP", "127.0.0.1")
LISTENING = _checked(lambda: tls.listening(IP, int(_setting("CAMPAIGN_LAB_HUB_PORT", "8000")), HUB_DIR,
                                           _setting("CAMPAIGN_LAB_HUB_SSL_CERT"), _setting("CAMPAIGN_LAB_HUB_SSL_KEY")))
c.JupyterHub.bind_url = LISTENING.url
if LISTENING.cert:
    c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = str(LISTENING.cert), str(LISTENING.key)
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{_setting('CAMPAIGN_LAB_HUB_API_PORT', '8081')}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_setting('CAMPAIGN_LAB_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "jupyterhub-proxy.pid")
proxy = BIN / "configurable-http-proxy"  # where scripts/install-npm.sh puts it
c.ConfigurableHTTPProxy.command = [str(proxy) if proxy.exists() else shutil.which("configurable-http-proxy")
                                   or "configurable-http-proxy"]
c.JupyterHub.db_url = f"sqlite:///{ensure_private_file(HUB_DIR / 'jupyterhub.sqlite')}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")  # JupyterHub makes it 0600
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every server it started

# -- who logs in -----------------------------------------------------------------
# Trainers are the hub's admins and log in with their own long password; trainees
# share a shorter one, which cannot open a trainer's account.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.admin_users = set(TRAINERS)
if TRAINER_PASSWORD:
    c.SharedPasswordAuthenticator.admin_password = TRAINER_PASSWORD
if TRAINEES_PASSWORD:
    c.SharedPasswordAuthenticator.user_password = TRAINEES_PASSWORD
if TRAINEES:
    c.Authenticator.allowed_users = set(TRAINEES)
else:
    c.Authenticator.allow_all = True
c.Authenticator.username_pattern = ACCOUNTS.name_pattern  # only names that can be system accounts

# -- services: scripts, the idle culler ---------------------------------------------
c.JupyterHub.services, c.JupyterHub.load_roles = [], []
if SERVICE_TOKEN:
    c.JupyterHub.services.append({"name": "campaign-lab", "api_token": SERVICE_TOKEN})
    c.JupyterHub.load_roles.append({
        "name": "campaign-lab-service",
        "description": "Create cohort accounts, start and stop their servers, issue their tokens.",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers", "list:services", "read:services"],
        "services": ["campaign-lab"],
    })
IDLE_TIMEOUT = int(_setting("CAMPAIGN_LAB_HUB_IDLE_TIMEOUT", "3600"))
if IDLE_TIMEOUT > 0:
    c.JupyterHub.services.append({
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler", f"--timeout={IDLE_TIMEOUT}",
                    f"--cull-every={max(10, min(300, IDLE_TIMEOUT // 4))}"],
    })
    c.JupyterHub.load_roles.append({
        "name": "idle-culler",
        "description": "Stop servers left idle.",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    })

# -- the single-user servers -----------------------------------------------------------
c.JupyterHub.spawner_class = "campaign_lab.hub.spawner.CohortSpawner"
c.CohortSpawner.accounts = ACCOUNTS
c.CohortSpawner.limits = LIMITS
VIEW = mounts.closed_parents()  # e.g. a Python under /root (pyenv): servers see only that installation there
if VIEW:
    print(f"jupyterhub_config.py: the course's Python is in {', '.join(VIEW)}, closed to other accounts; "
          f"each server sees only {', '.join(p for paths in VIEW.values() for p in paths)} there.", file=sys.stderr)
    c.CohortSpawner.private_view = VIEW
    c.CohortSpawner.view_staging = str(private_folder(HUB_DIR / "view"))
c.Spawner.mem_limit = LIMITS.memory_bytes  # passed on as MEM_LIMIT and CPU_LIMIT, which the course reads
c.Spawner.cpu_limit = LIMITS.cpus
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
# Every server reads the course's settings and datasets (trainees cannot list or read anything else there).
c.Spawner.environment = {"CAMPAIGN_LAB_EXCHANGE": str(EXCHANGE), "CAMPAIGN_LAB_ROOT": str(COURSE_ROOT)}
# Which AI model the kernels use: one shared server for the room (never a key: keys stay with the hub's user).
c.Spawner.env_keep.extend(["CAMPAIGN_LAB_PROVIDER", "CAMPAIGN_LAB_BASE_URL", "CAMPAIGN_LAB_MODEL"])

# JupyterHub >= 4.1 forbids framing any server page (frame-ancestors 'none'); JupyterLab's
# Formgrader panel is a frame of the trainer's own server, and stays blank (nbgrader#1870).
# Trainers' servers allow frames from the hub's own origin, as jupyter_server does by default.
TRAINER_ONLY_ARGS = [
    '--ServerApp.tornado_settings={"headers": {"Content-Security-Policy": "frame-ancestors \'self\'"}}',
]
TRAINEE_ONLY_ARGS = [  # trainees do not get the trainer's tools (the formgrader reads the gradebook)
    "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=False",
]


def prepare_server(spawner):
    """Trainers work in the course folder, without limits; each trainee in their home, within them."""
    name = spawner.user.name
    environment = dict(spawner.environment)
    spawner.is_trainer = name in TRAINERS
    if spawner.is_trainer:
        spawner.notebook_dir = str(COURSE_ROOT)
        spawner.limits = None
        spawner.mem_limit = spawner.cpu_limit = None
        spawner.args = list(spawner.args) + TRAINER_ONLY_ARGS
    else:
        environment["CAMPAIGN_LAB_TRAINEE"] = name
        spawner.args = list(spawner.args) + TRAINEE_ONLY_ARGS
    spawner.environment = environment


c.Spawner.pre_spawn_hook = prepare_server
