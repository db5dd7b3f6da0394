"""A cohort's roster (CSV) turned into system accounts and nbgrader students, in one step.

The CSV has a header row and one row per trainee. The ``username`` column (or
``id``, as in ``nbgrader db student import``) is required: the name the
trainee logs in with. ``first_name``, ``last_name`` and ``email`` are kept in
the gradebook if present. Every row is checked before anything is made, so a
bad row changes nothing; running the same roster twice changes nothing
either.

Example::

    username,first_name,last_name,email
    amina,Amina,Diallo,amina@example.org
    beatriz,Beatriz,Souza,
"""

from __future__ import annotations

import csv
import grp
import os
from dataclasses import dataclass
from pathlib import Path

from campaign_lab.errors import BadInput
from campaign_lab.hub.accounts import Accounts, check_name

NAME_COLUMNS = ("username", "id")
DETAIL_COLUMNS = ("first_name", "last_name", "email")
MAX_ROWS = 2000


@dataclass(frozen=True)
class Trainee:
    username: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass
class RosterResult:
    created: list[str]
    existing: list[str]


def read_roster(path: Path, trainers: frozenset[str] = frozenset()) -> list[Trainee]:
    """Read and check every row of ``path``.

    Raises
    ------
    BadInput
        Naming the file and row, for a missing file or column, a bad or
        repeated name, a trainer's name, or a row of the wrong length.
    """
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"cannot read the roster {path}: {getattr(error, 'strerror', None) or error}.") from None
    rows = csv.reader(text.splitlines())
    header = [column.strip().lower() for column in next(rows, [])]
    name_column = next((column for column in NAME_COLUMNS if column in header), None)
    if name_column is None:
        raise BadInput(f"{path}: the first row must name the columns, with a 'username' column "
                       f"(found: {', '.join(header) or 'nothing'}).")
    trainees, seen = [], {}
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        trainees.append(_trainee(path, number, header, row, name_column, trainers, seen))
        if len(trainees) > MAX_ROWS:
            raise BadInput(f"{path}: more than {MAX_ROWS} trainees; is this the right file?")
    if not trainees:
        raise BadInput(f"{path}: no trainees under the header row.")
    return trainees


def _trainee(path, number, header, row, name_column, trainers, seen) -> Trainee:
    where = f"{path}, row {number}"
    if len(row) != len(header):
        raise BadInput(f"{where}: {len(row)} values for {len(header)} columns (a comma too many or missing?).")
    values = {column: cell.strip() for column, cell in zip(header, row)}
    name = values[name_column]
    try:
        check_name(name)
    except BadInput as error:
        raise BadInput(f"{where}: {error}") from None
    if name in trainers:
        raise BadInput(f"{where}: {name!r} is a trainer's name; trainees need names of their own.")
    if name in seen:
        raise BadInput(f"{where}: {name!r} is already on row {seen[name]}.")
    seen[name] = number
    return Trainee(name, *(values.get(column, "") for column in DETAIL_COLUMNS))


def import_roster(trainees: list[Trainee], accounts: Accounts, api) -> RosterResult:
    """Make each trainee's account and nbgrader student (both idempotent); ``api`` is the course's NbGraderAPI.

    Everything that could refuse is checked first: every name against the
    system's accounts, and the gradebook opening.
    """
    existing = [t.username for t in trainees if accounts.lookup(t.username) is not None]
    with api.gradebook as gradebook:  # it opens (and is made, if new) before any account is
        for trainee in trainees:
            accounts.ensure(trainee.username, trainer=False)
        for trainee in trainees:
            details = {key: getattr(trainee, key) or None for key in DETAIL_COLUMNS}
            gradebook.update_or_create_student(trainee.username, **details)
    _share_with_trainers(api.coursedir.db_url, accounts.trainers_group)
    return RosterResult(created=[t.username for t in trainees if t.username not in existing], existing=existing)


def _share_with_trainers(db_url: str, group: str) -> None:
    """A gradebook this command made as root stays writable by the trainers' servers."""
    path = Path(db_url.removeprefix("sqlite:///"))
    if db_url.startswith("sqlite:///") and path.is_file():
        os.chown(path, -1, grp.getgrnam(group).gr_gid)
        path.chmod(0o660)
