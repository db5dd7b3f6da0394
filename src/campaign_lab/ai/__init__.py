"""Drafting with AI, safely: the local model server, the ``openai`` client and the safety layer.

By default everything runs on this computer: a small instruct model
(SmolLM2-135M-Instruct) served by llama.cpp on 127.0.0.1. A trainer switches
to a hosted provider in the ``.env`` file (see :mod:`campaign_lab.ai.config`).

Examples
--------
>>> from campaign_lab import ai
>>> llm = ai.client()                                     # doctest: +SKIP
>>> reply = llm.chat.completions.create(model=ai.model_name(), messages=[
...     {"role": "user", "content": "Write a one-line thank-you to our volunteers."}], **ai.DEFAULTS)  # doctest: +SKIP
>>> ai.redact("Call Mary on 0722 555 010", names=["Mary Njeri"])
'Call [NAME] on [PHONE]'
"""

from campaign_lab.ai.client import DEFAULTS, chat, client, model_name, where_model_runs
from campaign_lab.ai.config import Settings, load_settings
from campaign_lab.ai.safety import (
    Decision,
    check_request,
    disclosure_statement,
    find_personal_data,
    log_use,
    read_log,
    redact,
    use_profile,
)

__all__ = [
    "DEFAULTS",
    "Decision",
    "Settings",
    "chat",
    "check_request",
    "client",
    "disclosure_statement",
    "find_personal_data",
    "load_settings",
    "log_use",
    "model_name",
    "read_log",
    "redact",
    "use_profile",
    "where_model_runs",
]
