"""Generate the synthetic campaign datasets for a context profile.

Writes the voter file, survey, wards, posts, donors, e-mail test, ads, texts and
images into one folder (Parquet, plus CSV up to 200,000 voters). The same
profile, voter count and seed always give the same files. With ``--partitioned``
each table is a folder of Parquet parts instead, for national-size files
(docs/national-scale.md).
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
    parser.add_argument("--partitioned", action="store_true", help="write each table as a folder of Parquet parts (for millions of voters; analyse with campaign_lab.scale)")


def run(args) -> int:
    from campaign_lab.datagen import describe_output, generate
    from campaign_lab.datagen.partitioned import check_fits_in_memory

    if not args.partitioned:
        check_fits_in_memory(args.voters, "a voter file", "--partitioned")
    folder = generate(args.profile, args.out, voters=args.voters, seed=args.seed, progress=not args.quiet,
                      partitioned=args.partitioned)
    print(describe_output(folder))
    return 0
