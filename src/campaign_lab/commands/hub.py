"""Run the cohort's JupyterHub: `campaign-lab hub roster cohort.csv` makes each trainee's account.

The roster is a CSV with a header row and a `username` column (first_name,
last_name and email are kept if present). For every trainee it makes a system
account of their own (jupyter-<name>, home readable by them only) and an
nbgrader student in the course's gradebook. Every row is checked first: a
bad row changes nothing, and running the same roster again changes nothing.
Run it as root, before starting the hub (see docs/jupyterhub.md).
"""

from __future__ import annotations

import os
from pathlib import Path

from campaign_lab.errors import BadInput

HELP = "the cohort's JupyterHub: import a roster of trainees (accounts and nbgrader students)"


def add_arguments(parser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    roster = actions.add_parser("roster", help="make the accounts and nbgrader students of a roster CSV",
                                description=__doc__)
    roster.add_argument("csv", type=Path, help="the roster: a header row with a username column")


def run(args) -> int:
    from campaign_lab import course, paths
    from campaign_lab.hub import roster
    from campaign_lab.hub.accounts import Accounts

    trainers = frozenset(part.strip() for part in os.environ.get("CAMPAIGN_LAB_HUB_TRAINERS", "trainer").split(",")
                         if part.strip())
    trainees = roster.read_roster(args.csv, trainers)
    if os.geteuid() != 0:
        raise BadInput("making system accounts needs root: run it with sudo.")
    if not (paths.graders_dir() / "nbgrader_config.py").is_file():
        raise BadInput(f"{paths.project_root()} is not a course folder (no graders/nbgrader_config.py); "
                       "check CAMPAIGN_LAB_ROOT.")
    api = course.nbgrader_api()
    result = roster.import_roster(trainees, Accounts.from_environment(), api)
    print(f"Roster {args.csv.name}: {len(result.created)} accounts made, {len(result.existing)} already there, "
          f"{len(trainees)} nbgrader students in course {api.coursedir.course_id}.")
    if result.created:
        print("Made: " + ", ".join(result.created))
    print("Restart the hub so that these trainees may log in.")
    return 0
