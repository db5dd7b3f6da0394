"""Friendly errors raised by the AI helpers, each a one-sentence message.

They derive from :class:`campaign_lab.errors.LabError`, so the command line
prints them without a traceback and a notebook shows the sentence. The
original error from the ``openai`` library, when there is one, stays attached
as ``__cause__``.
"""

from __future__ import annotations

from campaign_lab.errors import BadInput, LabError

SERVE_COMMAND = "campaign-lab model serve"
INSTALL_HINT = "run `make model` (or scripts/install-model.sh) to install it"


class AIError(LabError):
    """Base class for problems with the AI model or provider."""


class ServerDown(AIError):
    """The local model server is not answering."""


class ServerStarting(ServerDown):
    """The local model server is loading its model and does not answer yet."""


class ServerStopped(ServerDown):
    """The local model server stopped while answering (it is restarted on the next request)."""


class ModelBusy(AIError):
    """The local model is answering as many requests as it can; the message says when to retry."""

    def __init__(self, message: str, *, retry_after_s: int):
        super().__init__(message)
        self.retry_after_s = retry_after_s


class ServerDidNotStart(AIError):
    """The local model server was started but never answered."""


class PortTaken(AIError, BadInput):
    """The port asked for is already used by another program."""


class PromptTooLong(AIError, BadInput):
    """The prompt and the answer do not fit in the model's context window."""

    def __init__(self, message: str, *, tokens_to_cut: int, words_to_cut: int):
        super().__init__(message)
        self.tokens_to_cut = tokens_to_cut
        self.words_to_cut = words_to_cut


class MissingAPIKey(AIError, BadInput):
    """A hosted provider was chosen but no API key is set."""


class APIKeyRejected(AIError):
    """The hosted provider refused the API key."""


class ProviderUnreachable(AIError):
    """The hosted or compatible provider could not be reached over the network."""


class ModelFileMissing(AIError, BadInput):
    """The GGUF model file does not exist."""


class ModelFileCorrupt(AIError, BadInput):
    """The GGUF model file exists but cannot be loaded."""


class ModelNotInstalled(AIError):
    """llama.cpp's server (the local model runtime) is not installed."""


class RequestRefused(AIError, BadInput):
    """The request falls under the campaign's refusal policy."""

    def __init__(self, message: str, *, category: str):
        super().__init__(message)
        self.category = category


class ModelTimedOut(AIError):
    """The model did not answer within the time limit."""


class UnknownModel(AIError, BadInput):
    """The provider has no model by the name given."""


class LogprobsOff(AIError):
    """Token probabilities were asked for, but the local server was started without them."""
