"""Check a context profile (YAML) and print a short summary of it.

Exits 0 when the profile is valid. Otherwise prints one line naming the file,
the field and what is allowed, and exits 2.
"""

from __future__ import annotations

HELP = "check a context profile file and summarise it"


def add_arguments(parser) -> None:
    parser.add_argument("profile", metavar="FILE", help="a profile YAML file, or the name of a shipped profile (e.g. default)")


def run(args) -> int:
    from campaign_lab.datagen.calibration import require_consistent  # numpy, pydantic: only for this command
    from campaign_lab.profiles import describe_profile, load_profile

    profile = load_profile(args.profile)
    require_consistent(profile, args.profile)
    print(describe_profile(profile))
    return 0
