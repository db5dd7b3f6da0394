"""Write the cohort report: scores per module, success per exercise, common wrong answers, who needs help.

Reads the nbgrader gradebook, the outcome files beside the autograded
notebooks (what each check found and told the trainee) and grades.csv from
`campaign-lab grade`. Writes
report.html (one page, plots included, to open in any browser) and CSV tables
beside it. Core and deep-dive tracks are shown apart.
"""

from __future__ import annotations

from pathlib import Path

HELP = "cohort report (HTML and CSV): scores, hardest exercises, common wrong answers, who needs help"


def add_arguments(parser) -> None:
    parser.add_argument("--gradebook", type=Path, metavar="DB",
                        help="nbgrader's gradebook (default: the course's, var/gradebook.db)")
    parser.add_argument("--grades", type=Path, metavar="DIR",
                        help="the folder campaign-lab grade wrote grades.csv into (default: var/grades)")
    parser.add_argument("--autograded", type=Path, metavar="DIR",
                        help="nbgrader's autograded folder (default: the course's autograded/)")
    parser.add_argument("--out", type=Path, metavar="DIR", help="where the report goes (default: var/report)")


def run(args) -> int:
    from campaign_lab import course, paths
    from campaign_lab.grading import report

    settings = course.nbgrader_config().CourseDirectory
    root = Path(settings.root)
    gradebook = args.gradebook or Path(settings.db_url.removeprefix("sqlite:///"))
    out_dir = args.out or paths.state_dir() / "report"
    files = report.build_report(
        gradebook,
        out_dir=out_dir,
        grades_dir=args.grades or paths.state_dir() / "grades",
        autograded=args.autograded or root / settings.autograded_directory,
        source=root / settings.source_directory,
        course_id=settings.course_id,
    )
    print(f"Report: {files.html}")
    print("Tables: " + ", ".join(str(path) for path in files.tables.values()))
    return 0
