"""Grade a folder of submissions in parallel, each notebook in its own sandbox.

nbgrader's ``autograde`` runs each notebook with the grader's rights, one at a
time, and one broken notebook can stop the batch. Here it is split where code
runs:

1. **Outside, for each notebook** (several at once): check it is a notebook,
   compare its test and locked cells with the gradebook (:mod:`.tamper`), and
   apply nbgrader's own *sanitize* steps (clear outputs, put the original test
   cells back, hidden tests included, and restore deleted ones).
2. **Inside a sandbox** (:mod:`.sandbox`): execute that restored notebook. The
   gradebook, the source notebooks and other trainees' folders are not there.
   Each parallel job keeps one warm box (:mod:`.warm_box`) with the libraries
   the course's notebooks import already loaded. For a course notebook the
   hidden tests are taken out again first, and a last cell exports the answers
   as plain data (:mod:`.answers`); :mod:`.judge` then judges them outside the
   kernel, calling function answers in a fresh box (:mod:`.function_runner`).
3. **Outside, one trainee at a time**: nbgrader's ``autograde`` with its
   ``Execute`` step replaced by :class:`UseSandboxOutputs`, which takes only the
   *outputs* of the sandboxed run and, for a course notebook, marks each test
   cell by the judge's verdict. nbgrader then scores the test cells and
   writes the gradebook, so the formgrader shows the results; the course's rubric
   is put back above any reflection whose rubric cell the trainee changed
   (:mod:`.rubrics`).
4. Feedback pages come from nbgrader's ``generate_feedback`` (which the course
   configures to hide hidden tests); a page whose visible text still contains a
   line of a hidden test (printed by a trainee's code, say) is replaced by a
   page with the scores only.
5. Beside each autograded notebook, ``<notebook>.outcomes.json`` (:mod:`.outcomes`):
   each exercise's status, message, hints shown and points, read from the
   records the checks left in the executed notebook, for the cohort report.

Every notebook ends with one :class:`~.sandbox.Status`, written with its
score to ``grades.csv``.
"""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from campaign_lab import course, paths
from campaign_lab.errors import BadInput
from campaign_lab.grading import answers, outcomes, pages, sandbox, tamper
from campaign_lab.grading.judge import CourseJudge, Verdict, exercise_in_cell
from campaign_lab.grading.rubrics import RestoreRubrics
from campaign_lab.grading.limits import GradingLimits, Limits
from campaign_lab.grading.sandbox import Status
from campaign_lab.grading.warm_box import BoxPool, course_imports

NOT_RUN_ERROR = "NotRun"
NOT_RUN_MESSAGE = "this test did not run: the notebook stopped before it ({status})"


@dataclass(frozen=True, order=True)
class Submission:
    """One submitted notebook: ``submitted/<student>/<assignment>/<notebook>.ipynb``."""

    student: str
    assignment: str
    path: Path

    @property
    def notebook(self) -> str:
        return self.path.stem

    @property
    def key(self) -> tuple[str, str]:
        """``(assignment, notebook)``: which source notebook this submission answers."""
        return self.assignment, self.notebook


@dataclass
class NotebookGrade:
    """The outcome for one submitted notebook, one row of ``grades.csv``."""

    student: str
    assignment: str
    notebook: str
    status: Status
    message: str
    score: float = 0.0
    max_score: float = 0.0
    tampering: list[str] = field(default_factory=list)
    feedback: Path | None = None

    def row(self) -> dict:
        return {
            "student": self.student, "assignment": self.assignment, "notebook": self.notebook,
            "status": self.status.value, "score": f"{self.score:g}", "max_score": f"{self.max_score:g}",
            "message": self.message, "tampering": "; ".join(self.tampering),
            "feedback": str(self.feedback or ""),
        }


CSV_COLUMNS = ("student", "assignment", "notebook", "status", "score", "max_score",
               "message", "tampering", "feedback")


# --------------------------------------------------------------------------
# Finding submissions


def find_submissions(submitted: Path, assignment: str | None = None) -> list[Submission]:
    """List the notebooks in an nbgrader ``submitted`` folder.

    Raises
    ------
    BadInput
        If the folder does not exist or holds no notebook for ``assignment``.

    Examples
    --------
    >>> [s.student for s in find_submissions(Path("submitted"), "00-start-here")]  # doctest: +SKIP
    ['ada', 'grace']
    """
    if not submitted.is_dir():
        raise BadInput(f"{submitted} is not a folder; give nbgrader's submitted folder "
                       "(submitted/<trainee>/<assignment>/<notebook>.ipynb).")
    found = sorted(
        Submission(path.parent.parent.name, path.parent.name, path)
        for path in submitted.glob("*/*/*.ipynb")
        if assignment in (None, path.parent.name) and ".ipynb_checkpoints" not in path.parts
    )
    if not found:
        where = f" for assignment {assignment}" if assignment else ""
        raise BadInput(f"{submitted} holds no submitted notebook{where}; expected "
                       "<trainee>/<assignment>/<notebook>.ipynb inside it.")
    return found


# --------------------------------------------------------------------------
# The nbgrader side


def _grading_config(root: Path | None, submitted: Path, executed: Path):
    """The course's nbgrader settings, reading ``submitted`` and our sandbox outputs."""
    config = course.nbgrader_config(root)
    config.CourseDirectory.submitted_directory = str(submitted)
    config.OverwriteCells.add_missing_cells = True  # a deleted test still runs and scores
    config.UseSandboxOutputs.executed_directory = str(executed)
    config.Autograde.autograde_preprocessors = [
        UseSandboxOutputs if step.__name__ == "Execute" else step
        for step in _nbgrader_autograde_steps()
    ] + [RestoreRubrics]  # the formgrader shows the course's rubric above each reflection
    config.RestoreRubrics.source_directory = str(
        Path(config.CourseDirectory.root) / config.CourseDirectory.source_directory)
    return config


def _nbgrader_autograde_steps() -> list:
    from nbgrader.converters.autograde import Autograde

    return list(Autograde.class_traits()["autograde_preprocessors"].default())


def _nbgrader_sanitize_steps() -> list:
    from nbgrader.converters.autograde import Autograde

    return list(Autograde.class_traits()["sanitize_preprocessors"].default())


def _ensure_assignment(api, assignment: str) -> None:
    """Make sure the gradebook knows the assignment (nbgrader's generate_assignment)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
            return
        except MissingEntry:
            pass
    source = Path(api.coursedir.root) / api.coursedir.source_directory / assignment
    if not source.is_dir():
        raise BadInput(f"There is no assignment {assignment!r} in the course "
                       f"(no folder {source}); check the name in the submitted folder.")
    course.check_nbgrader(api.generate_assignment(assignment, force=True, create=True), f"Releasing {assignment}")


class UseSandboxOutputs(NbGraderPreprocessor):
    """nbgrader step that replaces ``Execute``: copy in the outputs of the sandboxed run.

    Only outputs and execution counts are taken, cell by cell, and only if the
    sandboxed notebook has the same cells as the one nbgrader restored; the
    cells' code always comes from nbgrader. A test cell that never ran gets an
    error output, so it scores zero instead of nbgrader's "no error, full marks".
    """

    executed_directory = Unicode("", help="Folder with <student>/<assignment>/<notebook>.ipynb").tag(config=True)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = Path(self.executed_directory) / info["student"] / info["assignment"] / f"{info['notebook']}.ipynb"
        executed = _read_executed(path)
        status = _status_note(path)
        if executed is not None and _same_cells(nb, executed):
            for cell, ran in zip(nb.cells, executed.cells):
                if cell.cell_type == "code":
                    cell.outputs = ran.get("outputs", [])
                    cell.execution_count = ran.get("execution_count")
        verdicts = read_verdicts(path)
        for cell in nb.cells:
            if _is_test(cell) and verdicts is not None:
                _score_from_verdict(cell, verdicts.get(cell.metadata.nbgrader.get("grade_id", "")))
        for cell in nb.cells:
            if _is_test(cell) and cell.get("execution_count") is None:
                cell.outputs = [nbformat.v4.new_output(
                    "error", ename=NOT_RUN_ERROR, evalue=NOT_RUN_MESSAGE.format(status=status),
                    traceback=[f"{NOT_RUN_ERROR}: {NOT_RUN_MESSAGE.format(status=status)}"])]
        return nb, resources


VERDICT_ERRORS = {"incorrect": "NotQuite", "not_attempted": "NotAttempted", "error": "NotGraded"}


def _score_from_verdict(cell, verdict: Verdict | None) -> None:
    """Make nbgrader score a test cell by the grader's verdict, not by what the kernel printed.

    The trainee's own outputs stay for the feedback page, minus anything nbgrader
    would score (errors, results, text on stderr); a verdict other than correct
    adds one error output with its message, which nbgrader scores zero.
    """
    if verdict is None:
        verdict = Verdict("", "error", "the grader has no judgement for this cell")
    kept = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "display_data":
            kept.append(output)
        elif output.get("output_type") == "stream":
            kept.append(nbformat.v4.new_output("stream", name="stdout", text=output.get("text", "")))
    if not verdict.correct and cell.get("execution_count") is not None:
        name = VERDICT_ERRORS.get(verdict.status, "NotGraded")
        kept.append(nbformat.v4.new_output("error", ename=name, evalue=verdict.message,
                                           traceback=[f"{name}: {verdict.message}"]))
    cell.outputs = kept


def verdicts_path(executed: Path) -> Path:
    return executed.with_suffix(".verdicts.json")


def read_verdicts(executed: Path) -> dict[str, Verdict] | None:
    """The grader's verdicts for an executed notebook, or None when it was graded the plain way."""

    path = verdicts_path(executed)
    if not path.is_file():
        return None
    return {grade_id: Verdict.from_json(record) for grade_id, record in json.loads(path.read_text()).items()}


def _read_executed(path: Path):
    if not path.is_file():
        return None
    try:
        return nbformat.read(str(path), as_version=4)
    except Exception:  # written in the sandbox: anything unreadable counts as not run
        return None


def _status_note(path: Path) -> str:
    note = path.with_suffix(".status")
    return note.read_text().strip() if note.is_file() else "it did not run"


def _same_cells(restored, executed) -> bool:
    """Same cells in the same order; test cells compare as the trainee saw them (hidden tests aside)."""
    return len(restored.cells) == len(executed.cells) and all(
        a.cell_type == b.cell_type and tamper.visible_source(a.source) == tamper.visible_source(b.source)
        for a, b in zip(restored.cells, executed.cells)
    )


def _is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


# --------------------------------------------------------------------------
# Step 1 and 2: restore and execute one notebook


@dataclass
class _Prepared:
    submission: Submission
    status: Status | None = None
    message: str = ""
    tampering: list[str] = field(default_factory=list)


EXPORT_CELL = "campaign_lab_export"


def _restore(submission: Submission, config, db_url: str, target: Path, export: list[str] | None) -> None:
    """Apply nbgrader's sanitize steps (original test cells back) and write to ``target``.

    With ``export`` (the answer names of a course notebook, judged outside the
    kernel) the hidden tests are taken out again, so the trainee's code never
    sees them, and a last cell writes those answers to ``answers.json``.
    """
    from nbgrader.preprocessors import ClearHiddenTests

    notebook = nbformat.read(str(submission.path), as_version=4)
    resources = {"nbgrader": {"notebook": submission.notebook, "assignment": submission.assignment,
                              "student": submission.student, "db_url": db_url}}
    for step in _nbgrader_sanitize_steps():
        notebook, resources = step(config=config).preprocess(notebook, resources)
    if export is not None:
        notebook, resources = ClearHiddenTests(config=config).preprocess(notebook, resources)
        code = ("from campaign_lab.grading.answers import export_answers\n"
                f"export_answers(globals(), {export!r}, {answers.FILE!r})")
        notebook.cells.append(nbformat.v4.new_code_cell(code, metadata={EXPORT_CELL: True}))
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, str(target))


def _prepare_and_execute(submission: Submission, job: _Job) -> _Prepared:
    """Steps 1 and 2 for one notebook; never raises, so one notebook cannot stop the batch."""
    prepared = _Prepared(submission)
    if not sandbox.looks_like_notebook(submission.path):
        prepared.status = Status.NOT_A_NOTEBOOK
        prepared.message = f"{submission.path.name} is not a readable notebook (invalid JSON)."
        return prepared
    restored = job.work / "restored" / submission.student / submission.assignment / submission.path.name
    try:
        prepared.tampering = tamper.find_tampering(submission.path, job.protected[submission.key])
        export = job.judge.answer_names(submission.notebook) if submission.key in job.cells else None
        _restore(submission, job.config, job.db_url, restored, export)
    except Exception as error:  # nbgrader refuses the notebook's cell metadata
        prepared.status = Status.TAMPERED
        prepared.message = f"nbgrader could not read the grading cells: {_first_line(error)}"
        return prepared
    try:
        prepared.status, prepared.message = _execute(submission, restored, job)
    except Exception as error:  # the grader's side failed (disk full, say): this notebook only
        prepared.status = Status.CRASHED
        prepared.message = f"The grader could not run this notebook: {_first_line(error)}"
    return prepared


def _execute(submission: Submission, restored: Path, job: _Job) -> tuple[Status, str]:
    """Run the restored notebook in a sandbox; leave its outputs and status for nbgrader."""
    folder = job.executed / submission.student / submission.assignment
    folder.mkdir(parents=True, exist_ok=True)
    exported = folder / f"{submission.notebook}.answers.json"
    with job.boxes.box() as box:
        result = sandbox.execute_notebook(
            restored, folder, limits=job.limits, extra_files=_other_files(submission, job.source_root),
            readable=job.readable, mechanism=job.mechanism, box=box, keep={answers.FILE: exported},
        )
    status, message = result.status, result.message
    executed_path = folder / restored.name
    _drop_export_cell(executed_path)
    executed = _read_executed(executed_path)
    if executed is not None and not _same_cells(_without_export_cell(nbformat.read(str(restored), as_version=4)), executed):
        status, message = Status.CRASHED, "The executed notebook came back with different cells; no test counts."
    if submission.key in job.cells:
        _judge(submission, job, exported, verdicts_path(executed_path))
    (folder / f"{submission.notebook}.status").write_text(status.value.replace("_", " "))
    return status, message


def _drop_export_cell(executed: Path) -> None:
    """Take the grader's export cell out of the executed notebook, so its cells match nbgrader's."""
    notebook = _read_executed(executed)
    if notebook is not None and notebook.cells and notebook.cells[-1].metadata.get(EXPORT_CELL):
        nbformat.write(_without_export_cell(notebook), str(executed))


def _without_export_cell(notebook):
    if notebook.cells and notebook.cells[-1].metadata.get(EXPORT_CELL):
        notebook.cells.pop()
    return notebook


def _judge(submission: Submission, job: _Job, exported: Path, target: Path) -> None:
    """Judge the exported answers outside the kernel; write ``{grade_id: verdict}`` to ``target``."""

    try:
        found = answers.load_answers(exported)
    except answers.AnswersUnreadable:
        found = {}  # nothing exported (the notebook stopped early, or broke the export): all unanswered
    needed = job.judge.needs_calls(submission.notebook, found)
    results = _call_functions(submission, job, exported, _answer_lines(submission, job)) if needed else {}
    verdicts = job.judge.judge(submission.notebook, job.cells[submission.key], found, results)
    target.write_text(json.dumps({grade_id: verdict.to_json() for grade_id, verdict in verdicts.items()}))


def _answer_lines(submission: Submission, job: _Job) -> dict[str, str]:
    """``{answer name: source}`` of the submission's answer cells that the second profile reruns."""
    from campaign_lab.checks.solutions import answer_id

    wanted = {answer_id(exercise.name): exercise.answer_name for exercise in job.judge.line_exercises(submission.notebook)}
    if not wanted:
        return {}
    notebook = nbformat.read(str(submission.path), as_version=4)
    return {wanted[tamper.grade_id(cell)]: str(cell.source) for cell in notebook.cells
            if cell.cell_type == "code" and tamper.grade_id(cell) in wanted}


def _call_functions(submission: Submission, job: _Job, exported: Path, lines: dict[str, str]) -> dict:
    """Call the trainee's functions and rerun answer lines on the grader's inputs, in a fresh box process (no kernel)."""

    from campaign_lab.grading import function_runner

    with tempfile.TemporaryDirectory(prefix="campaign-lab-calls-") as tmp:
        calls, sources = Path(tmp) / function_runner.CALLS, Path(tmp) / function_runner.LINES
        calls.write_bytes(job.calls[submission.key])
        sources.write_text(json.dumps(lines))
        results = Path(tmp) / function_runner.RESULTS
        files = {answers.FILE: exported, function_runner.CALLS: calls, function_runner.LINES: sources}
        with job.boxes.box() as box:
            sandbox.call_functions(box, files, job.limits, keep={function_runner.RESULTS: results})
        try:
            found = json.loads(results.read_text()) if results.is_file() else {}
        except ValueError:
            found = {}
        return found if isinstance(found, dict) else {}


def _first_line(error: Exception) -> str:
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:200]


def _other_files(submission: Submission, source_root: Path) -> dict[str, Path]:
    """Files beside the notebook: the trainee's, then the course's own (as nbgrader does)."""
    files = {}
    for folder in (submission.path.parent, source_root / submission.assignment):
        if folder.is_dir():
            files.update({
                path.name: path for path in folder.iterdir()
                if path.suffix != ".ipynb" and not path.is_symlink()
                and path.name not in ("timestamp.txt", ".ipynb_checkpoints")
            })
    return files


@dataclass
class _Job:
    """Everything the parallel steps share, read-only."""

    config: object
    db_url: str
    work: Path
    executed: Path
    limits: Limits
    mechanism: sandbox.Mechanism
    readable: list[Path]
    protected: dict[tuple[str, str], dict]
    hidden: dict[tuple[str, str], list[str]]
    source_root: Path
    boxes: BoxPool
    judge: CourseJudge
    cells: dict[tuple[str, str], dict[str, str | None]]  # course notebooks: {grade_id: exercise name}
    calls: dict[tuple[str, str], bytes]


# --------------------------------------------------------------------------
# Step 3 and 4: scores, gradebook, feedback


def _autograde_student(api, student: str, assignment: str) -> str:
    """nbgrader's autograde for one trainee; returns an error line, or '' on success."""
    result = api.autograde(assignment, student, force=True, create=True)
    if result.get("success"):
        return ""
    lines = (result.get("error") or result.get("log") or "").strip().splitlines()
    return lines[-1] if lines else "nbgrader gave no details"


def _scores(db_url: str, course_id: str, grade: NotebookGrade) -> dict[str, tuple[float, float]]:
    """Put nbgrader's score in ``grade``; return ``{grade_id: (score, max_score)}`` of its cells."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url, course_id) as gradebook:
        try:
            grade.max_score = float(gradebook.find_notebook(grade.notebook, grade.assignment).max_score or 0)
            notebook = gradebook.find_submission_notebook(grade.notebook, grade.assignment, grade.student)
        except MissingEntry:
            return {}  # nothing recorded: the score stays zero
        grade.score = float(notebook.score or 0)
        return {cell.name: (float(cell.score or 0), float(cell.max_score or 0)) for cell in notebook.grades}


def _visible_text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def _feedback_page(api, grade: NotebookGrade, hidden_lines: list[str]) -> Path | None:
    """The trainee's feedback page, replaced by a scores-only page if it shows hidden test code."""
    page = (Path(api.coursedir.root) / api.coursedir.feedback_directory / grade.student
            / grade.assignment / f"{grade.notebook}.html")
    if not page.is_file():
        return None
    text = _visible_text(page.read_text(errors="replace"))
    if any(line in text for line in hidden_lines):
        page.write_text(_scores_only_page(grade))
    return page


def _scores_only_page(grade: NotebookGrade) -> str:
    return pages.render("scores_only.html.j2", notebook=grade.notebook, score=grade.score, max_score=grade.max_score)


# --------------------------------------------------------------------------
# The whole run


def grade_submissions(
    submitted: Path,
    *,
    assignment: str | None = None,
    jobs: int | None = None,
    out_dir: Path | None = None,
    root: Path | None = None,
    limits: Limits | None = None,
    mechanism: sandbox.Mechanism | None = None,
    progress: Callable[[Iterable, int, str], Iterable] | None = None,
) -> list[NotebookGrade]:
    """Grade every notebook in an nbgrader ``submitted`` folder, each in its own sandbox.

    Parameters
    ----------
    submitted
        ``<trainee>/<assignment>/<notebook>.ipynb`` folders, as nbgrader collects them.
    assignment
        Grade only this assignment (default: every one found).
    jobs
        How many notebooks run at once (default: ``GradingLimits.jobs`` of the course's
        nbgrader settings, or one per usable CPU).
    out_dir
        Where ``grades.csv`` and a copy of the feedback pages go (default: ``var/grades``).
    root
        The course folder (default: this project).
    limits
        Sandbox limits (default: the ``GradingLimits`` of the course's nbgrader settings).
    mechanism
        Sandbox mechanism (default: the best that works here).
    progress
        Wraps an iterable to show progress, called as ``progress(items, total, label)``.

    Returns
    -------
    list of NotebookGrade
        One per submitted notebook, in trainee order.

    Raises
    ------
    BadInput
        If the folder or the assignment does not exist.

    Examples
    --------
    >>> grades = grade_submissions(Path("submitted"), assignment="00-start-here")  # doctest: +SKIP
    >>> grades[0].status  # doctest: +SKIP
    <Status.GRADED: 'graded'>
    """
    submitted = Path(submitted).resolve()
    submissions = find_submissions(submitted, assignment)
    progress = progress or (lambda items, total, label: items)
    with tempfile.TemporaryDirectory(prefix="campaign-lab-grade-") as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # nbgrader's database and nbformat chatter, not the trainer's concern
        work = Path(tmp)
        staged = _stage_submissions(submissions, work / "submitted")
        config = _grading_config(root, staged, work / "executed")
        api = course.nbgrader_api_for(config)
        for name in sorted({s.assignment for s in submissions}):
            _ensure_assignment(api, name)
        settings = GradingLimits.from_config(config)
        jobs = jobs or settings.parallel_jobs()
        limits = limits or settings.limits()
        job = _make_job(api, config, work, submissions, limits, mechanism, jobs)
        with job.boxes:
            grades = _run_all(api, job, submissions, staged, jobs, progress)
    _write_outputs(grades, Path(out_dir) if out_dir else paths.state_dir() / "grades")
    return grades


def _stage_submissions(submissions: list[Submission], staged: Path) -> Path:
    """A private copy of the submissions for nbgrader; the originals are never touched."""
    for submission in submissions:
        target = staged / submission.student / submission.assignment
        if not target.exists():
            shutil.copytree(submission.path.parent, target, symlinks=True)
    return staged


def _make_job(api, config, work: Path, submissions, limits, mechanism, jobs: int) -> _Job:
    """Read what every notebook's checks need from the gradebook, once; prepare the boxes."""
    from nbgrader.api import Gradebook

    with Gradebook(api.coursedir.db_url, api.coursedir.course_id) as gradebook:
        known = [key for key in {s.key for s in submissions} if _notebook_known(gradebook, *key)]
        protected = {key: tamper.protected_cells(gradebook, key[1], key[0]) for key in known}
        hidden = {key: tamper.hidden_test_lines(gradebook, key[1], key[0]) for key in known}
    mechanism = mechanism or sandbox.detect_mechanism()
    readable = [folder for folder in (paths.datasets_dir(),) if folder.is_dir()]
    source_root = Path(api.coursedir.root) / api.coursedir.source_directory
    # The boxes load what the course's own notebooks import, once per box.
    sources = [source_root / assignment / f"{notebook}.ipynb" for assignment, notebook in known]
    judge = CourseJudge.from_config(config)
    cells = {key: _test_cells(protected[key]) for key in known if judge.out_of_kernel and judge.exercises(key[1])}
    return _Job(
        config=config, db_url=api.coursedir.db_url, work=work, executed=work / "executed",
        limits=limits, mechanism=mechanism, readable=readable,
        protected=protected, hidden=hidden, source_root=source_root,
        boxes=BoxPool(jobs, mechanism, limits, readable, course_imports(sources)),
        judge=judge, cells=cells, calls={key: judge.calls(key[1]) for key in cells},
    )


def _test_cells(protected: dict[str, dict]) -> dict[str, str | None]:
    """``{grade_id: exercise name}`` of a notebook's autograded test cells, from the gradebook's sources."""
    return {grade_id: exercise_in_cell(cell["source"]) for grade_id, cell in protected.items() if cell["test"]}


def _notebook_known(gradebook, assignment: str, notebook: str) -> bool:
    from nbgrader.api import MissingEntry

    try:
        gradebook.find_notebook(notebook, assignment)
        return True
    except MissingEntry:
        return False


def _run_all(api, job: _Job, submissions: list[Submission], staged: Path, jobs: int | None,
             progress) -> list[NotebookGrade]:
    """Run the sandboxes ``jobs`` at a time; record each trainee as soon as their notebooks are done.

    Recording (nbgrader, one trainee at a time) overlaps with the sandboxes still running.
    """
    expected: dict[tuple[str, str], int] = {}
    for submission in submissions:
        expected[_trainee(submission)] = expected.get(_trainee(submission), 0) + 1
    finished: dict[tuple[str, str], list[_Prepared]] = {}
    grades: list[NotebookGrade] = []

    def finish(item: _Prepared) -> None:
        key = _trainee(item.submission)
        finished.setdefault(key, []).append(item)
        if len(finished[key]) == expected[key]:
            grades.extend(_record_trainee(api, job, finished[key], staged))

    for submission in submissions:
        if submission.key not in job.protected:
            finish(_Prepared(submission, Status.NOT_A_NOTEBOOK,
                             f"{submission.path.name} is not a notebook of assignment {submission.assignment}."))
    known = [s for s in submissions if s.key in job.protected]
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_prepare_and_execute, s, job) for s in known]
        for future in progress(as_completed(futures), len(futures), "grading"):
            finish(future.result())
    return sorted(grades, key=lambda g: (g.student, g.assignment, g.notebook))


def _trainee(submission: Submission) -> tuple[str, str]:
    return submission.student, submission.assignment


def _record_trainee(api, job: _Job, items: list[_Prepared], staged: Path) -> list[NotebookGrade]:
    """Steps 3 and 4 for one trainee: nbgrader scores into the gradebook, then feedback pages."""
    student, assignment = _trainee(items[0].submission)
    for item in items:  # nbgrader gives a missing notebook zero and goes on
        if item.status == Status.NOT_A_NOTEBOOK:
            (staged / student / assignment / item.submission.path.name).unlink(missing_ok=True)
    problem = _autograde_student(api, student, assignment)
    if not problem:
        api.generate_feedback(assignment, student, force=True)
    return [_grade(api, job, item, problem) for item in items]


def _grade(api, job: _Job, item: _Prepared, problem: str) -> NotebookGrade:
    s = item.submission
    status, message = item.status, item.message
    if item.tampering and status != Status.NOT_A_NOTEBOOK:
        status = Status.TAMPERED
        message = "The tests were changed; the original tests were run. " + message
    if problem and status == Status.GRADED:
        status, message = Status.CRASHED, f"nbgrader could not record the grade: {problem}"
    grade = NotebookGrade(s.student, s.assignment, s.notebook, status, message, tampering=item.tampering)
    points = _scores(api.coursedir.db_url, api.coursedir.course_id, grade)
    grade.feedback = _feedback_page(api, grade, job.hidden.get(s.key, []))
    autograded = (Path(api.coursedir.root) / api.coursedir.autograded_directory / s.student / s.assignment
                  / s.path.name)
    executed = job.executed / s.student / s.assignment / s.path.name
    outcomes.write_outcomes(autograded, student=s.student, assignment=s.assignment,
                            status=grade.status.value, points=points, verdicts=read_verdicts(executed))
    return grade


def _write_outputs(grades: list[NotebookGrade], out_dir: Path) -> Path:
    """Write ``grades.csv`` and copy each feedback page to ``out_dir/feedback``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for grade in grades:
        if grade.feedback is not None:
            copy = out_dir / "feedback" / grade.student / grade.assignment / grade.feedback.name
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(grade.feedback, copy)
            grade.feedback = copy
    table = out_dir / "grades.csv"
    with table.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(grade.row() for grade in grades)
    return table


def summary(grades: list[NotebookGrade]) -> str:
    """One line per status, for the end of a grading run.

    Examples
    --------
    >>> summary([])
    'No notebooks graded.'
    """
    if not grades:
        return "No notebooks graded."
    counts: dict[str, int] = {}
    for grade in grades:
        counts[grade.status.value] = counts.get(grade.status.value, 0) + 1
    parts = ", ".join(f"{count} {status.replace('_', ' ')}" for status, count in sorted(counts.items()))
    return f"{len(grades)} notebooks: {parts}."

