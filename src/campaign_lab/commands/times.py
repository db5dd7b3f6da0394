"""Each notebook's time to learn from the reading and exercise model (docs/study-time.md).

Prints, for every module, the minutes the model gives and the minutes the
notebook and the README state. Exits 1 if a stated figure differs from the
model's, so a notebook that grew gets a new figure; ``--write`` rewrites the
notebooks' "Time to learn" lines and the README's table instead.
"""

from __future__ import annotations

import re

from campaign_lab.errors import EXIT_FAILED

PREFIX = "- **Time to learn**: "
HELP = "each notebook's time to learn from the reading and exercise model; --write updates the stated times"


def add_arguments(parser) -> None:
    parser.add_argument("--write", action="store_true", help="rewrite the notebooks' and the README's stated times")


def run(args) -> int:
    import nbformat

    from campaign_lab import course, paths, study_time

    readme = paths.project_root() / "README.md"
    table = readme.read_text(encoding="utf-8")
    differ = []
    print(f"{'module':32} {'model':>16}  stated in the notebook / README")
    for module in course.modules():
        path = course.source_notebook(module)
        notebook = nbformat.read(str(path), as_version=4)
        time = study_time.estimate(notebook)
        row = _readme_row(table, module[:2])
        stated = study_time.stated_line(notebook) or "(no Time to learn line)"
        in_readme = row.group("time") if row else "(no row)"
        agree = stated == study_time.time_line(time) and in_readme == study_time.readme_time(time)
        print(f"{module:32} {study_time.readme_time(time):>16}  {'same' if agree else stated.removeprefix(PREFIX) + ' / ' + in_readme}")
        if agree:
            continue
        differ.append(module)
        if args.write:
            if study_time.with_time_line(notebook, time):
                nbformat.write(notebook, str(path))
            if row:
                table = table[:row.start("time")] + study_time.readme_time(time) + table[row.end("time"):]
    if args.write:
        readme.write_text(table, encoding="utf-8")
        print(f"Rewrote the stated times of {len(differ)} module(s).")
        return 0
    if differ:
        print(f"{len(differ)} module(s) state another time than the model's: run `campaign-lab times --write`.")
        return EXIT_FAILED
    return 0



def _readme_row(table: str, number: str):
    return re.search(rf"^\| {number} \| [^|]+ \| (?P<time>[^|]+?) \|", table, re.M)
