"""JupyterHub for one cohort on one machine: trainers grade, trainees learn, nbgrader's exchange between.

Start it from the project folder (after `bash scripts/install-hub.sh`)::

    CAMPAIGN_LAB_HUB_PASSWORD='a shared password' \\
    CAMPAIGN_LAB_HUB_TRAINER_PASSWORD='a long trainer password, 32 characters or more' \\
    .venv/bin/jupyterhub -f graders/jupyterhub_config.py

Everything is set with environment variables, so the same file serves a
classroom laptop and the tests:

==================================  =================================================  ======================
variable                            what                                               default
==================================  =================================================  ======================
CAMPAIGN_LAB_HUB_TRAINERS           trainer accounts (comma-separated)                 ``trainer``
CAMPAIGN_LAB_HUB_TRAINEES           trainee accounts; empty lets anyone with the       (empty)
                                    shared password pick a name
CAMPAIGN_LAB_HUB_PASSWORD           the trainees' shared password (8+ characters)      none: no trainee login
CAMPAIGN_LAB_HUB_TRAINER_PASSWORD   the trainers' password (32+ characters)            none: no trainer login
CAMPAIGN_LAB_HUB_IP                 address the hub listens on (0.0.0.0 for a LAN)     ``127.0.0.1``
CAMPAIGN_LAB_HUB_PORT               the hub's public port                              ``8000``
CAMPAIGN_LAB_HUB_API_PORT           the hub's internal API port                        ``8081``
CAMPAIGN_LAB_HUB_PROXY_API_PORT     the proxy's API port                               ``8001``
CAMPAIGN_LAB_HUB_DIR                hub state: database, secrets, trainees' folders    ``var/hub``
CAMPAIGN_LAB_EXCHANGE               nbgrader's exchange, shared by every server        ``var/exchange``
CAMPAIGN_LAB_ROOT                   the course folder the trainers grade in            this project
CAMPAIGN_LAB_HUB_SERVICE_TOKEN      an API token for scripts (manage users, servers)   none
==================================  =================================================  ======================

Trainers' servers open the course folder, with nbgrader's formgrader; they
release and collect through the exchange. Each trainee's server opens a
folder of their own, where the Assignments tab fetches and submits.

The single-user servers are local processes that all run as the hub's system
user (``SimpleLocalProcessSpawner``): no system accounts are needed, but
trainees are not isolated from each other or from the course. That suits a
workshop on one trusted machine and the tests; for a real cohort use the
Kubernetes deployment in docs/jupyterhub.md, where every trainee has a
container of their own.
"""

import os
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file


def _setting(name, default=""):
    return os.environ.get(name, "").strip() or default


def _names(name, default=""):
    return [part.strip() for part in _setting(name, default).split(",") if part.strip()]


PROJECT = Path(__file__).resolve().parent.parent
COURSE_ROOT = Path(_setting("CAMPAIGN_LAB_ROOT", str(PROJECT))).resolve()
HUB_DIR = Path(_setting("CAMPAIGN_LAB_HUB_DIR", str(COURSE_ROOT / "var" / "hub"))).resolve()
EXCHANGE = Path(_setting("CAMPAIGN_LAB_EXCHANGE", str(COURSE_ROOT / "var" / "exchange"))).resolve()
TRAINERS = _names("CAMPAIGN_LAB_HUB_TRAINERS", "trainer")
TRAINEES = _names("CAMPAIGN_LAB_HUB_TRAINEES")
BIN = Path(sys.executable).parent  # the course's environment: jupyterhub-singleuser, the proxy

for folder in (HUB_DIR, HUB_DIR / "homes", EXCHANGE):
    folder.mkdir(parents=True, exist_ok=True)
try:
    os.chmod(EXCHANGE, 0o1777)  # as nbgrader's docs ask: everyone writes, nobody deletes others' files
except PermissionError:
    pass  # someone else's folder: its owner has set it up

# -- addresses and state ---------------------------------------------------------
IP = _setting("CAMPAIGN_LAB_HUB_IP", "127.0.0.1")
c.JupyterHub.bind_url = f"http://{IP}:{_setting('CAMPAIGN_LAB_HUB_PORT', '8000')}"
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{_setting('CAMPAIGN_LAB_HUB_API_PORT', '8081')}"
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_setting('CAMPAIGN_LAB_HUB_PROXY_API_PORT', '8001')}"
c.ConfigurableHTTPProxy.pid_file = str(HUB_DIR / "jupyterhub-proxy.pid")
proxy = BIN / "configurable-http-proxy"  # where scripts/install-hub.sh puts it
c.ConfigurableHTTPProxy.command = [str(proxy) if proxy.exists() else shutil.which("configurable-http-proxy")
                                   or "configurable-http-proxy"]
c.JupyterHub.db_url = f"sqlite:///{HUB_DIR / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(HUB_DIR / "jupyterhub_cookie_secret")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every server it started

# -- who logs in -----------------------------------------------------------------
# Trainers are the hub's admins and log in with their own long password; trainees
# share a shorter one, which cannot open a trainer's account.
c.JupyterHub.authenticator_class = "shared-password"
c.SharedPasswordAuthenticator.admin_users = set(TRAINERS)
if _setting("CAMPAIGN_LAB_HUB_TRAINER_PASSWORD"):
    c.SharedPasswordAuthenticator.admin_password = _setting("CAMPAIGN_LAB_HUB_TRAINER_PASSWORD")
if _setting("CAMPAIGN_LAB_HUB_PASSWORD"):
    c.SharedPasswordAuthenticator.user_password = _setting("CAMPAIGN_LAB_HUB_PASSWORD")
if TRAINEES:
    c.Authenticator.allowed_users = set(TRAINEES)
else:
    c.Authenticator.allow_all = True

SERVICE_TOKEN = _setting("CAMPAIGN_LAB_HUB_SERVICE_TOKEN")
if SERVICE_TOKEN:
    c.JupyterHub.services = [{"name": "campaign-lab", "api_token": SERVICE_TOKEN}]
    c.JupyterHub.load_roles = [{
        "name": "campaign-lab-service",
        "description": "Create cohort accounts, start and stop their servers, issue their tokens.",
        "scopes": ["admin:users", "admin:servers", "tokens", "access:servers"],
        "services": ["campaign-lab"],
    }]

# -- the single-user servers -----------------------------------------------------------
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(HUB_DIR / "homes" / "{username}")
c.Spawner.cmd = [str(BIN / "jupyterhub-singleuser")]
c.Spawner.ip = "127.0.0.1"
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
c.Spawner.environment = {"CAMPAIGN_LAB_EXCHANGE": str(EXCHANGE)}
if os.geteuid() == 0:  # containers and test machines often run everything as root
    c.Spawner.args = ["--ServerApp.allow_root=True"]

TRAINEE_ONLY_ARGS = [  # trainees do not get the trainer's tools (the formgrader reads the gradebook)
    "--ServerApp.jpserver_extensions=nbgrader.server_extensions.formgrader=False",
]


def prepare_server(spawner):
    """Trainers work in the course folder; each trainee in a folder of their own."""
    name = spawner.user.name
    environment = dict(spawner.environment)
    if name in TRAINERS:
        spawner.notebook_dir = str(COURSE_ROOT)
        environment["CAMPAIGN_LAB_ROOT"] = str(COURSE_ROOT)
    else:
        environment["CAMPAIGN_LAB_TRAINEE"] = name
        spawner.args = list(spawner.args) + TRAINEE_ONLY_ARGS
    spawner.environment = environment


c.Spawner.pre_spawn_hook = prepare_server
