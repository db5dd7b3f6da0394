"""Grading that survives hostile submissions.

``autograde`` grades a folder of submissions; each notebook runs in a box
(``boxes``: the one-shot ``sandbox.ColdBox`` or a ``warm_box.WarmBox``, both
built from ``isolation``) under the limits of ``limits``; ``notebook_executor``
is the small program that executes a notebook inside a box; ``outcomes`` keeps
what each check found as data; ``report`` is the cohort report.
docs/grading.md describes how it fits together.
"""
