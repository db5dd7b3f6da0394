"""The nbgrader step that writes each released notebook's solutions file.

``graders/nbgrader_config.py`` puts :class:`RecordSolutions` first among
nbgrader's ``GenerateAssignment`` preprocessors, so every way of releasing
(``campaign-lab release``, the self-check, the formgrader on a hub) writes
the file while the notebook still holds its solution regions. nbconvert's
writer saves ``resources["outputs"]`` beside the released notebook.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

from campaign_lab.checks import solutions

__all__ = ["RecordSolutions"]


class RecordSolutions(Preprocessor):
    """Add ``.<notebook>.solutions.json`` (see :mod:`campaign_lab.checks.solutions`) to the release."""

    enabled = Bool(True)  # nbconvert's preprocessors are off unless enabled

    def preprocess(self, nb, resources):
        name = resources.get("unique_key") or resources.get("metadata", {}).get("name", "notebook")
        if solutions.notebook_solutions(nb):
            text = solutions.released_file_text(nb, name)
            resources.setdefault("outputs", {})[solutions.released_file_name(name)] = text.encode("utf-8")
        return nb, resources
