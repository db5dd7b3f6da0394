"""Grading that survives hostile submissions.

``sandbox`` runs one submission in a box (no network, a throwaway copy of
the files, limits on time, memory, processes and output); ``runner`` is the
small program that executes a notebook inside that box.
"""
