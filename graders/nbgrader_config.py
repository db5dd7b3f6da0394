"""nbgrader settings for Campaign AI Lab: the one place grading is configured.

Every path is absolute and derived from this file's location (or from
CAMPAIGN_LAB_ROOT), so nbgrader commands behave the same from any directory
and never leave a stray gradebook.db where they were run. `make install`
points the environment's Jupyter configuration at this file.
"""

import os

c = get_config()  # noqa: F821 - provided by traitlets when it loads this file

ROOT = os.environ.get("CAMPAIGN_LAB_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATE = os.path.join(ROOT, "var")
os.makedirs(STATE, exist_ok=True)  # the gradebook and exchange live here

c.CourseDirectory.course_id = "campaign-ai-lab"
c.CourseDirectory.root = ROOT
c.CourseDirectory.source_directory = "notebooks"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(STATE, "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]

# The default exchange (/srv/nbgrader/exchange) is not writable for most users.
# On a JupyterHub, CAMPAIGN_LAB_EXCHANGE names the folder every server shares.
c.Exchange.root = os.environ.get("CAMPAIGN_LAB_EXCHANGE") or os.path.join(STATE, "exchange")
c.Exchange.path_includes_course = True

# A JupyterHub (graders/jupyterhub_config.py) sets CAMPAIGN_LAB_TRAINEE in each trainee's
# server: nbgrader then names submissions after the hub account even where every server
# runs as the same system user. Trainers have no such name, so they collect everyone.
if os.environ.get("CAMPAIGN_LAB_TRAINEE"):
    c.CourseDirectory.student_id = os.environ["CAMPAIGN_LAB_TRAINEE"]

# An endless loop in a submission must not hang grading: each cell gets this long.
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 40

# What `campaign-lab grade` lets one submitted notebook use in its sandbox
# (campaign_lab.grading.limits.GradingLimits, where each limit's help is).
# Every limit is also a flag, e.g. `campaign-lab grade --memory-mib 2048`;
# `campaign-lab grade --dry-run` prints the values in force.
c.GradingLimits.wall_seconds = 600  # a whole notebook; then it is killed (timed_out)
c.GradingLimits.cell_seconds = c.Execute.timeout  # one cell; then it is interrupted
c.GradingLimits.cpu_seconds = 600  # CPU time in all
c.GradingLimits.memory_mib = 3072  # memory a notebook may ask for (out_of_memory past it)
c.GradingLimits.max_processes = 64  # processes and threads at once: stops a fork bomb
c.GradingLimits.file_mib = 64  # largest file it may write
c.GradingLimits.output_mib = 8  # printed output and executed notebook kept
c.GradingLimits.network = False  # no network at all inside the sandbox
c.GradingLimits.jobs = 0  # notebooks at once; 0: one per CPU this machine lets us use

# The grade of a course notebook is decided outside the trainee's kernel
# (campaign_lab.grading.judge.JudgeSettings; docs/grading.md): every answer is
# judged on this profile's data, and functions on the second profile's too.
c.JudgeSettings.out_of_kernel = True  # False: hidden tests scored in the kernel (forgeable)
c.JudgeSettings.profile = "default"
c.JudgeSettings.second_profile = "kenya-county"  # "" to judge functions on one profile only

# Answers start as `name = ____`; the solution region becomes a comment, so the
# released notebook runs and its checks say "not attempted yet".
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Feedback never shows hidden tests (nbgrader shows them by default), and a
# failing test cell shows only its message, not the test's source in a traceback.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "campaign_lab.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Before the solutions are cleared, each release gets the text `q1.solution()` shows,
# in a file beside the released notebook (campaign_lab.checks.solutions explains why).
c.GenerateAssignment.preprocessors.prepend(["campaign_lab.checks.release.RecordSolutions"])
