"""Generate the synthetic campaign datasets for a context profile.

Writes the voter file, survey, wards, posts, donors, e-mail test, ads, texts and
images into one folder (Parquet, plus CSV up to 200,000 voters). The same
profile, voter count and seed always give the same files.
"""

from __future__ import annotations

HELP = "generate the synthetic datasets for a profile"


def add_arguments(parser) -> None:
    from campaign_lab.datagen import DEFAULT_SEED, DEFAULT_VOTERS  # numpy and pyarrow: only for this command

    parser.add_argument("--profile", default="default", metavar="FILE", help="profile YAML file or shipped profile name (default: default)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder to write (new, empty, or earlier output of this command)")
    parser.add_argument("--voters", type=int, default=DEFAULT_VOTERS, metavar="N", help=f"rows in the voter file (default: {DEFAULT_VOTERS:,})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, metavar="S", help=f"random seed (default: {DEFAULT_SEED})")
    parser.add_argument("--quiet", action="store_true", help="no progress bar (it is also off in CI and when stderr is not a terminal)")


def run(args) -> int:
    from campaign_lab.datagen import describe_output, generate

    folder = generate(args.profile, args.out, voters=args.voters, seed=args.seed, progress=not args.quiet)
    print(describe_output(folder))
    return 0
