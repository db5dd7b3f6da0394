"""The campaign-lab command: help everywhere, exit codes scripts can trust, nothing half-written."""

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import campaign_lab.commands
from campaign_lab import cli, paths

LAB = [sys.executable, "-m", "campaign_lab.cli"]


def lab(*args, env=None, cwd=None):
    return subprocess.run(LAB + list(args), capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def subcommands():
    parser = cli.build_parser()
    return sorted(parser._subparsers._group_actions[0].choices)


def test_the_issue_commands_are_all_there():
    assert {"run", "release", "selfcheck", "start"} <= set(subcommands())


def test_help_lists_every_command_module():
    modules = {p.stem.replace("_", "-") for p in Path(campaign_lab.commands.__file__).parent.glob("[!_]*.py")}
    assert modules == set(cli.COMMANDS), "register each commands/<name>.py in cli.COMMANDS (one line)"
    shown = lab("--help")
    assert shown.returncode == 0
    listed = [name for name in cli.COMMANDS if f"\n    {name} " in shown.stdout or f"\n    {name}\n" in shown.stdout]
    assert listed == list(cli.COMMANDS)


def test_a_registered_command_that_is_missing_fails_loudly(monkeypatch):
    monkeypatch.setattr(cli, "COMMANDS", cli.COMMANDS + ("no-such-command",))
    with pytest.raises(ModuleNotFoundError, match="no_such_command"):
        cli.build_parser()


def test_version_prints_the_installed_package_version():
    result = lab("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"campaign-lab {importlib.metadata.version('campaign-lab')}"


def test_licence_and_citation_match_the_package():
    import tomllib

    import yaml

    project = tomllib.loads((paths.project_root() / "pyproject.toml").read_text())["project"]
    citation = yaml.safe_load((paths.project_root() / "CITATION.cff").read_text())
    assert (paths.project_root() / "LICENSE").read_text().startswith(f"{project['license']} License")
    assert (citation["cff-version"], citation["license"], citation["version"]) == ("1.2.0", project["license"], project["version"])
    assert citation["title"] and citation["authors"] and citation["message"]


HEAVY = ("numpy", "pandas", "pyarrow", "pydantic", "nbgrader", "papermill", "matplotlib", "openai", "sklearn")


def test_help_imports_none_of_the_heavy_libraries():
    """`campaign-lab --help` must answer at once: each command imports its heavy parts when it runs."""
    code = ("import sys, contextlib, io\nfrom campaign_lab import cli\n"
            "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n    cli.main(['--help'])\n"
            f"print(sorted(set(m.split('.')[0] for m in sys.modules) & {set(HEAVY)!r}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"imported by --help: {result.stdout.strip()}"


@pytest.mark.parametrize("command", subcommands())
def test_every_subcommand_has_help(command):
    result = lab(command, "--help")
    assert result.returncode == 0
    assert "usage: campaign-lab " + command in result.stdout


def test_an_unknown_notebook_is_bad_input_naming_it():
    result = lab("run", "--notebooks", "42")
    assert result.returncode == 2
    assert "42" in result.stderr and "00-start-here" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_profile_file_is_bad_input_naming_it(tmp_path):
    missing = tmp_path / "nowhere.yaml"
    result = lab("run", "--notebooks", "00", "--profile", str(missing))
    assert result.returncode == 2
    assert str(missing) in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_option_is_bad_input():
    assert lab("run", "--colour", "red").returncode == 2


@pytest.fixture
def broken_course(tmp_path):
    """A copy of the course with a notebook that fails in its fourth cell."""
    root = tmp_path / "course"
    shutil.copytree(paths.notebooks_dir(), root / "notebooks")
    shutil.copytree(paths.profiles_dir(), root / "datasets" / "profiles")
    cells = [nbformat.v4.new_markdown_cell("# Broken"),
             nbformat.v4.new_code_cell('profile = "default"', metadata={"tags": ["parameters"]}),
             nbformat.v4.new_code_cell("x = 1"),
             nbformat.v4.new_code_cell("1 / 0")]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (root / "notebooks" / "99-broken").mkdir()
    nbformat.write(notebook, str(root / "notebooks" / "99-broken" / "99-broken.ipynb"))
    return root


def test_a_failing_notebook_names_its_cell_exits_1_and_keeps_its_output_as_the_log(broken_course, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "99-broken.ipynb").write_text("{}")  # from an earlier run that went through
    env = dict(os.environ, CAMPAIGN_LAB_ROOT=str(broken_course))
    result = lab("run", "--notebooks", "00,99", "--out", str(out), env=env)
    assert result.returncode == 1
    kept = out / "99-broken.failed.ipynb"
    assert f"99-broken failed at cell 4: ZeroDivisionError: division by zero; the notebook as far as it ran: {kept}" in result.stderr
    assert "00-start-here" in result.stdout and " ok" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["00-start-here.ipynb", "99-broken.failed.ipynb"]
    executed = nbformat.read(str(kept), as_version=4)
    errors = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert [e.ename for e in errors] == ["ZeroDivisionError"]


def test_run_prints_one_line_per_notebook_with_seconds(tmp_path):
    result = lab("run", "--notebooks", "00", "--out", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    [line] = [l for l in result.stdout.splitlines() if l.startswith("00-start-here")]
    assert line.split()[1].endswith("s") and line.split()[-1] == "ok"


def test_run_passes_the_profile_to_the_notebook(tmp_path):
    result = lab("run", "--notebooks", "00", "--profile", "default", "--out", str(tmp_path))
    assert result.returncode == 0
    executed = json.loads((tmp_path / "00-start-here.ipynb").read_text())
    injected = [c for c in executed["cells"] if "injected-parameters" in c["metadata"].get("tags", [])]
    assert injected and "profile = \"default\"" in "".join(injected[0]["source"])


@pytest.mark.parametrize("deaths, ok", [(1, True), (2, False)])
def test_a_kernel_that_dies_as_it_starts_is_started_once_more(tmp_path, monkeypatch, deaths, ok):
    import papermill

    from campaign_lab import runner

    attempts = []

    def execute_notebook(source, partial, **options):
        attempts.append(source)
        if len(attempts) <= deaths:
            raise RuntimeError(runner.KERNEL_DIED_AT_START)
        nbformat.write(nbformat.read(source, as_version=4), partial)

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    run = runner.run_one("00-start-here", "default", tmp_path)
    assert (run.ok, len(attempts)) == (ok, 2)
    assert ok or runner.KERNEL_DIED_AT_START in run.error
