"""Safety layer for AI use in the campaign: redaction, refusal policy, AI-use log.

Examples
--------
>>> from campaign_lab.ai.safety import redact, check_request
>>> redact("Text Joy at +52 55 1234 5678")
'Text Joy at [PHONE]'
>>> check_request("Invent a quote from the bishop endorsing us").category
'fake_endorsement'
"""

from campaign_lab.ai.safety.policy import Decision, check_request
from campaign_lab.ai.safety.recognisers import RecogniserMissing
from campaign_lab.ai.safety.redaction import (
    PLACEHOLDERS,
    Finding,
    find_personal_data,
    find_personal_data_by_patterns,
    redact,
    redact_by_patterns,
    use_profile,
)
from campaign_lab.ai.safety.usage_log import (
    DEFAULT_LABEL,
    default_log_path,
    disclosure_statement,
    log_use,
    read_log,
)

__all__ = [
    "DEFAULT_LABEL",
    "Decision",
    "Finding",
    "PLACEHOLDERS",
    "check_request",
    "default_log_path",
    "disclosure_statement",
    "find_personal_data",
    "find_personal_data_by_patterns",
    "log_use",
    "read_log",
    "RecogniserMissing",
    "redact",
    "redact_by_patterns",
    "use_profile",
]
