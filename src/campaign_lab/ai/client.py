"""An ``openai`` client set up for the course: local model by default, safety checks built in.

:func:`client` returns a real ``openai.OpenAI`` (or ``AzureOpenAI``) object, so
notebooks use the standard ``client.chat.completions.create(...)``. What it
adds, for every request:

* the refusal policy runs on the user's messages before anything is sent;
* personal data is redacted before text goes to any provider except the local model;
* :data:`DEFAULTS` (temperature 0, a fixed seed, a length limit) fill in any
  of those settings the request leaves out, so the same prompt gives the same text;
* errors become one friendly sentence (server down, prompt too long, key rejected ...).

Examples
--------
>>> from campaign_lab import ai
>>> llm = ai.client()                                    # doctest: +SKIP
>>> reply = llm.chat.completions.create(                 # doctest: +SKIP
...     model=ai.model_name(),
...     messages=[{"role": "user", "content": "Suggest a slogan about safe streets."}],
...     **ai.DEFAULTS,
... )
>>> print(reply.choices[0].message.content)              # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import re
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, Iterable

import httpx2
import openai

from campaign_lab.ai import server
from campaign_lab.ai.gate import SECONDS_PER_ANSWER
from campaign_lab.ai.config import DEFAULT_OPENAI_MODEL, LOCAL_MODEL_ALIAS, Settings, load_settings
from campaign_lab.ai.errors import (
    SERVE_COMMAND,
    APIKeyRejected,
    LogprobsOff,
    MissingAPIKey,
    ModelBusy,
    ModelTimedOut,
    PromptTooLong,
    ProviderUnreachable,
    RequestRefused,
    ServerDown,
    ServerStarting,
    ServerStopped,
    UnknownModel,
)
from campaign_lab.ai.safety import check_request, redact
from campaign_lab.ai.safety.redaction import check_length
from campaign_lab.errors import BadInput, LabError

DEFAULTS: dict[str, Any] = {"temperature": 0, "seed": 1234, "max_tokens": 256}
LOCAL_API_KEY = "local-model-needs-no-key"
LOCAL_TIMEOUT_S = 120.0
_NOTICE_EXIT_S = 3.0
STARTING_WAIT_S = 5.0  # a notebook waits this long for a model that is starting, then says how long is left
_GENERATION_PATHS = ("/chat/completions", "/completions")  # filled in with DEFAULTS
_TEXT_FIELDS = {"content", "text", "input", "prompt", "instructions"}
MAX_DEPTH = 64  # a request body nested deeper is refused (real ones are a few levels deep)
_OPENAI_URL = "https://api.openai.com/v1"
_WORDS_PER_TOKEN = 0.75  # English prose averages about three words per four tokens


@dataclass(frozen=True)
class _Guard:
    """What the client checks and changes in each request."""

    settings: Settings
    names: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    check_requests: bool = True
    max_retries: int = openai.DEFAULT_MAX_RETRIES


class GuardedTransport(httpx2.BaseTransport):
    """The course's safety checks as an ``httpx`` transport, given to ``openai`` as its ``http_client``.

    Every request passes through :meth:`handle_request` before it leaves the
    computer: a JSON body is checked against the refusal policy, completed with
    :data:`DEFAULTS` and (for any provider but the local model) redacted; a
    refused request, or one that cannot be redacted, is never sent. Errors that
    have a friendly sentence (server down, key rejected, prompt too long ...)
    are raised as that sentence.
    """

    def __init__(self, guard: _Guard, inner: httpx2.BaseTransport):
        self.guard = guard
        self.inner = inner

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request = _guarded_request(request, self.guard)
        try:
            response = self.inner.handle_request(request)
        except (httpx2.TimeoutException, httpx2.TransportError) as error:
            if _retries_left(request, self.guard):
                raise  # openai sends it again
            timed_out = isinstance(error, httpx2.TimeoutException)
            openai_error = (openai.APITimeoutError if timed_out else openai.APIConnectionError)(request=request)
            raise explain(openai_error, self.guard.settings, _base_url(request)) or openai_error from error
        retried = response.status_code in _RETRIED_STATUS or response.status_code >= 500
        if response.status_code >= 400 and not (retried and _retries_left(request, self.guard)):
            response.request = request  # the client sets it later; the error needs it now
            _raise_friendly_status(response, request, self.guard)
        return response

    def close(self) -> None:
        self.inner.close()


_STATUS_ERRORS = {
    400: openai.BadRequestError,
    401: openai.AuthenticationError,
    403: openai.PermissionDeniedError,
    404: openai.NotFoundError,
    409: openai.ConflictError,
    422: openai.UnprocessableEntityError,
    429: openai.RateLimitError,
}
_RETRIED_STATUS = {408, 409, 429}  # and every 5xx: openai sends these again while it has retries left


def _retries_left(request: httpx2.Request, guard: _Guard) -> bool:
    """True if openai will send this request again (it counts its retries in a header)."""
    taken = request.headers.get("x-stainless-retry-count", "0")
    return taken.isdigit() and int(taken) < guard.max_retries


def _base_url(request: httpx2.Request) -> str:
    """The provider's address, as the user set it: the request's URL without the endpoint."""
    path = request.url.path
    for endpoint in (*_GENERATION_PATHS, "/models", "/embeddings", "/responses"):
        if path.endswith(endpoint):
            path = path[: -len(endpoint)]
            break
    return str(request.url.copy_with(path=path.rstrip("/") + "/", query=None))


def _raise_friendly_status(response: httpx2.Response, request: httpx2.Request, guard: _Guard) -> None:
    """Raise the friendly error for an error answer, if there is one; else openai raises its own."""
    response.read()
    try:
        body = response.json()
    except ValueError:
        body = None
    error_part = body.get("error") if isinstance(body, dict) else None
    message = error_part.get("message") if isinstance(error_part, dict) else None
    default = openai.InternalServerError if response.status_code >= 500 else openai.APIStatusError
    error_class = _STATUS_ERRORS.get(response.status_code, default)
    error = error_class(str(message or response.text[:300]), response=response, body=body)
    friendly = explain(error, guard.settings, _base_url(request))
    if friendly is not None:
        raise friendly from error


def _guarded_request(request: httpx2.Request, guard: _Guard) -> httpx2.Request:
    """The request with its JSON body checked, completed and redacted; other requests unchanged."""
    if request.method != "POST" or "json" not in request.headers.get("content-type", ""):
        return request
    body = _json_body(request.read())
    if not isinstance(body, dict):
        return request
    prepared = _prepare_body(body, guard, generation=request.url.path.endswith(_GENERATION_PATHS))
    content = json.dumps(prepared).encode("utf-8")  # ASCII escapes: even half a character (\ud800) encodes
    headers = httpx2.Headers(request.headers)
    headers["content-length"] = str(len(content))
    return httpx2.Request(request.method, request.url, headers=headers, content=content, extensions=request.extensions)


def _json_body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except RecursionError:
        raise BadInput(f"The request is nested more than {MAX_DEPTH} levels deep; send plain messages instead.") from None
    except ValueError:
        return None


def _inner_transport(url: str, trust_env: bool) -> httpx2.BaseTransport:
    """The transport that really sends: through the environment's proxy, if one is set for ``url``."""
    proxy = None
    if trust_env:
        parsed = httpx2.URL(url)
        proxies = urllib.request.getproxies()
        if not urllib.request.proxy_bypass(parsed.host):
            proxy = proxies.get(parsed.scheme) or proxies.get("all")
    return httpx2.HTTPTransport(proxy=proxy)


def _http_client(guard: _Guard, url: str, *, trust_env: bool) -> httpx2.Client:
    """openai's default ``http_client``, with every request going through :class:`GuardedTransport`."""
    transport = GuardedTransport(guard, _inner_transport(url, trust_env))
    return openai.DefaultHttpxClient(transport=transport, trust_env=False)


class _EncodingGuard:
    """Turns openai's own crash on a body it cannot encode (too deeply nested, broken characters) into a sentence."""

    def post(self, *args, **kwargs):  # openai's documented method for any request
        try:
            return super().post(*args, **kwargs)
        except RecursionError:
            raise _too_deep() from None
        except UnicodeEncodeError:
            raise BadInput(
                "The text has a broken character (half of a character pair, often from a bad copy and paste); "
                "paste it again or delete the odd symbols. Nothing was sent."
            ) from None


class LabOpenAI(_EncodingGuard, openai.OpenAI):
    """``openai.OpenAI``; the safety checks are in its ``http_client`` (:class:`GuardedTransport`)."""


class LabAzureOpenAI(_EncodingGuard, openai.AzureOpenAI):
    """``openai.AzureOpenAI``; the safety checks are in its ``http_client`` (:class:`GuardedTransport`)."""


def _user_texts(body: dict) -> list[str]:
    """The texts a person wrote in a request: user messages, a prompt or an input."""
    texts = []
    messages = body.get("messages")
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict) and message.get("role") == "user":
            texts += _strings(message.get("content"))
    for field in ("prompt", "input"):
        texts += _strings(body.get(field))
    return texts


def _too_deep() -> BadInput:
    return BadInput(f"The request is nested more than {MAX_DEPTH} levels deep; send plain messages instead. Nothing was sent.")


def _strings(value: Any, depth: int = 0) -> list[str]:
    if depth > MAX_DEPTH:
        raise _too_deep()
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item, depth + 1)]
    if isinstance(value, dict):
        return _strings(value.get("text"), depth + 1) + _strings(value.get("content"), depth + 1)
    return []


def redact_payload(value: Any, names: Iterable[str] = (), keep: Iterable[str] = ()) -> Any:
    """Return a copy of a request body with personal data redacted from every text field.

    Raises
    ------
    RecogniserMissing
        If the name recogniser cannot load (nothing is redacted by patterns alone).
    BadInput
        If the body is nested more than :data:`MAX_DEPTH` levels deep or a text is too long.
    """
    return _redacted(value, tuple(names), tuple(keep), 0)


def _redacted(value: Any, names: tuple[str, ...], keep: tuple[str, ...], depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise _too_deep()
    if isinstance(value, list):
        return [_redacted(item, names, keep, depth + 1) for item in value]
    if isinstance(value, dict):
        return {
            key: redact(item, names, keep) if key in _TEXT_FIELDS and isinstance(item, str)
            else _redacted(item, names, keep, depth + 1)
            for key, item in value.items()
        }
    return value


def _prepare_body(body: dict, guard: _Guard, *, generation: bool = True) -> dict:
    """Refuse, complete with DEFAULTS (generation requests) and, for remote providers, redact a request body."""
    texts = _user_texts(body)
    for text in texts:
        check_length(text)  # before the policy: a megabyte of text would keep its patterns busy for seconds
    if guard.check_requests:
        for text in texts:
            decision = check_request(text, own_names=guard.keep)
            if not decision.allowed:
                raise RequestRefused(decision.reason, category=decision.category)
    prepared = dict(body)
    if generation:
        prepared = {**{key: value for key, value in DEFAULTS.items() if key not in body}, **body}
        if "max_completion_tokens" in body and "max_tokens" not in body:
            prepared.pop("max_tokens")  # newer models take only max_completion_tokens
        if guard.settings.is_local and prepared.get("logprobs") and not prepared.get("top_logprobs"):
            prepared["top_logprobs"] = 1  # llama.cpp returns no logprobs at all without it
    if not guard.settings.is_local:
        prepared = redact_payload(prepared, guard.names, guard.keep)
    return prepared


_CONTEXT_WINDOW = re.compile(r"maximum context length is (\d+) tokens", re.IGNORECASE)
_REQUESTED = re.compile(r"(?:requested|resulted in) (\d+) tokens(?: \((\d+) in the messages, (\d+) in the completion\))?", re.IGNORECASE)
_LLAMA_SERVER_TOO_LONG = "exceeds the available context size"


def prompt_too_long(message: str) -> PromptTooLong | None:
    """Turn a server's context-length message into :class:`PromptTooLong`, or None if it is not one.

    Examples
    --------
    >>> error = prompt_too_long("This model's maximum context length is 2048 tokens. However, you "
    ...                         "requested 2348 tokens (2092 in the messages, 256 in the completion).")
    >>> error.tokens_to_cut, error.words_to_cut
    (300, 225)
    """
    window, requested = _CONTEXT_WINDOW.search(message), _REQUESTED.search(message)
    if not window or not requested:
        return None
    limit, total = int(window.group(1)), int(requested.group(1))
    cut = max(total - limit, 1)
    words = math.ceil(cut * _WORDS_PER_TOKEN)
    parts = f" ({requested.group(2)} for your text and {requested.group(3)} for the answer)" if requested.group(2) else ""
    return PromptTooLong(
        f"The prompt is too long for this model: it needs {total} tokens{parts} but the model reads at most {limit} "
        f"(a token is a word or part of a word); cut about {cut} tokens (roughly {words} words) from the prompt, "
        "or ask for a shorter answer with a smaller max_tokens.",
        tokens_to_cut=cut,
        words_to_cut=words,
    )


def _local_prompt_too_long(error: openai.APIError) -> PromptTooLong:
    """Count the tokens of the rejected request with the local server itself and say how many to cut."""
    current = server.status()
    record_window = server.context_window()
    body = _request_body(error)
    counted = server.count_prompt_tokens(body.get("messages") or [], current.port) if current.answering else None
    answer = int(body.get("max_tokens") or body.get("max_completion_tokens") or DEFAULTS["max_tokens"])
    if counted is None or record_window is None:
        return PromptTooLong(
            "The prompt is too long for this model (a token is a word or part of a word); "
            "shorten it, or ask for a shorter answer with a smaller max_tokens.",
            tokens_to_cut=1,
            words_to_cut=1,
        )
    message = (
        f"This model's maximum context length is {record_window} tokens. However, you requested "
        f"{counted + answer} tokens ({counted} in the messages, {answer} in the completion)."
    )
    return prompt_too_long(message)


def _request_body(error: openai.APIError) -> dict:
    import json

    try:
        return json.loads(error.request.content or b"{}")
    except (AttributeError, ValueError, TypeError):
        return {}


def _local_server_gone(base_url: object) -> ServerDown:
    """The local server did not answer: say whether it stopped mid-request (and restart it) or was never running."""
    current = server.status()
    deadline = time.monotonic() + _NOTICE_EXIT_S
    while current.running and not current.answering and time.monotonic() < deadline:  # the launcher notices within a second
        time.sleep(0.2)
        current = server.status()
    if current.pid is None:
        return ServerDown(f"The local AI model is not answering at {base_url}; start it with `{SERVE_COMMAND}` and run this again.")
    if current.running:
        return ServerStopped("The connection to the local AI model was cut while it answered; run this cell again.")
    try:
        restarted = server.serve()
    except LabError as problem:
        return ServerStopped(f"The local AI model stopped while answering and could not restart ({problem})")
    again = "run this cell again" if restarted.base_url == str(base_url).rstrip("/") else "run the notebook's first AI cell (the one with ai.client()) again"
    return ServerStopped(f"The local AI model stopped while answering (see {current.log}); it has been restarted, so {again}.")


def _busy(error: openai.APIStatusError) -> ModelBusy:
    """The local server's gate turned the request away: say when to try again."""
    header = error.response.headers.get("retry-after", "")
    retry = int(header) if header.isdigit() else SECONDS_PER_ANSWER
    return ModelBusy(f"The model is busy answering other trainees, try again in {retry} s.", retry_after_s=retry)


def explain(error: openai.APIError, settings: Settings, base_url: object = None) -> Exception | None:
    """Return a friendly course error for an ``openai`` error, or None to keep the original."""
    provider = settings.provider
    if isinstance(error, openai.APITimeoutError):
        return ModelTimedOut(
            f"The {provider} model did not answer in time; ask for a shorter answer (smaller max_tokens) or try again."
        )
    if isinstance(error, openai.APIConnectionError):
        if settings.is_local:
            return _local_server_gone(base_url)
        return ProviderUnreachable(
            f"Could not reach the {provider} service at {base_url}: this computer may be offline or the address may be wrong; "
            "check the network and CAMPAIGN_LAB_BASE_URL, or set CAMPAIGN_LAB_PROVIDER=local to use the local model."
        )
    if isinstance(error, (openai.AuthenticationError, openai.PermissionDeniedError)):
        return APIKeyRejected(
            f"The {provider} service rejected the API key in {settings.key_variable or 'your settings'} "
            f"(error {error.status_code}); copy the key again from your provider's dashboard into the .env file, or ask your trainer."
        )
    if isinstance(error, openai.NotFoundError):
        return UnknownModel(
            f"The {provider} service has no model or address matching this request; "
            "check CAMPAIGN_LAB_MODEL and CAMPAIGN_LAB_BASE_URL."
        )
    message = str(getattr(error, "message", error))
    if settings.is_local and "logprobs is not supported" in message:
        return LogprobsOff(
            "The local model was started without token probabilities; run `campaign-lab model stop`, "
            f"then `{SERVE_COMMAND} --logprobs`, and run this again."
        )
    if isinstance(error, openai.BadRequestError):
        if settings.is_local and _LLAMA_SERVER_TOO_LONG in message:
            return _local_prompt_too_long(error)
        return prompt_too_long(message)
    if settings.is_local and isinstance(error, openai.APIStatusError) and error.status_code == 503:
        return ServerStarting(server.starting_message()) if "loading model" in message.lower() else _busy(error)
    return None


def _local_base_url(start_server: bool) -> str:
    current = server.status()
    if current.running and not current.answering:  # starting (on Binder, in the background)
        current = server.wait_until_answering(STARTING_WAIT_S)
        if current.running and not current.answering:
            raise ServerStarting(server.starting_message())
    if current.answering:
        return current.base_url
    if not start_server:
        raise ServerDown(f"The local AI model is not running; start it with `{SERVE_COMMAND}` and run this again.")
    return server.serve().base_url


def _require_key(settings: Settings) -> str:
    if not settings.api_key:
        raise MissingAPIKey(
            f"CAMPAIGN_LAB_PROVIDER is {settings.provider} but {settings.key_variable} is not set; add "
            f"{settings.key_variable}=... to the .env file in the course folder (never to a notebook), "
            "or use the local model with CAMPAIGN_LAB_PROVIDER=local."
        )
    return settings.api_key


def client(
    settings: Settings | None = None,
    *,
    names: Iterable[str] = (),
    keep: Iterable[str] = (),
    check_requests: bool = True,
    start_server: bool = True,
    max_retries: int | None = None,
) -> openai.OpenAI:
    """Return an ``openai`` client for the configured provider (the local model by default).

    Parameters
    ----------
    settings : Settings, optional
        Provider settings; default :func:`campaign_lab.ai.config.load_settings`.
    names : iterable of str
        Known names to redact before text leaves the computer (pass the voter file's names).
    keep : iterable of str
        Public names never redacted and allowed as the campaign's own voice (the candidate).
    check_requests : bool
        Run the refusal policy on user messages before sending (default True).
    start_server : bool
        For the local model, start the server if it is not running (default True).
    max_retries : int, optional
        Retries after a failed request (default 0 locally, 2 for hosted providers).

    Returns
    -------
    openai.OpenAI
        A :class:`LabOpenAI` (or :class:`LabAzureOpenAI`) whose ``http_client``
        sends every request through :class:`GuardedTransport`; copies made
        with ``with_options`` share it, so they keep the checks.

    Raises
    ------
    ServerDown, MissingAPIKey, ModelNotInstalled, ModelFileMissing, ModelFileCorrupt
        When the client is made. Each request may raise ``RequestRefused``
        (policy), ``RecogniserMissing`` (a hosted provider while the name
        recogniser cannot load: the text is not sent) or ``BadInput``.

    Examples
    --------
    >>> llm = client()  # doctest: +SKIP
    >>> llm.models.list().data[0].id  # doctest: +SKIP
    'smollm2-135m-instruct'
    """
    settings = settings or load_settings()
    if settings.provider == "local":
        base_url, retries, trust_env = _local_base_url(start_server), 0, False  # local traffic never goes via a proxy
    else:
        base_url = settings.azure_endpoint if settings.provider == "azure" else settings.base_url or _OPENAI_URL
        retries, trust_env = openai.DEFAULT_MAX_RETRIES, True
    retries = retries if max_retries is None else max_retries
    guard = _Guard(settings, tuple(names), tuple(keep), check_requests, retries)
    common = {"max_retries": retries, "http_client": _http_client(guard, str(base_url), trust_env=trust_env)}
    if settings.provider == "local":
        return LabOpenAI(base_url=base_url, api_key=LOCAL_API_KEY, timeout=LOCAL_TIMEOUT_S, **common)
    if settings.provider == "azure":
        return LabAzureOpenAI(
            api_key=_require_key(settings), azure_endpoint=settings.azure_endpoint, api_version=settings.api_version, **common
        )
    key = _require_key(settings) if settings.provider == "openai" else settings.api_key or "not-needed"
    return LabOpenAI(api_key=key, base_url=settings.base_url, **common)


def model_name(settings: Settings | None = None) -> str:
    """Return the model name to pass as ``model=`` for the configured provider.

    Examples
    --------
    >>> model_name(Settings(provider="openai"))
    'gpt-4o-mini'
    """
    settings = settings or load_settings()
    if settings.provider == "local":
        return server.status().model or settings.model or LOCAL_MODEL_ALIAS
    if settings.provider == "openai":
        return settings.model or DEFAULT_OPENAI_MODEL
    return settings.model


def where_model_runs(settings: Settings | None = None) -> str:
    """Where the configured model answers, as a phrase for a notebook to print (see :meth:`Settings.where`).

    Examples
    --------
    >>> where_model_runs(Settings(provider="openai"))
    'served by OpenAI: what you send goes there, with the personal data the course finds taken out'
    """
    return (settings or load_settings()).where()


def chat(messages: str | list[dict], *, llm: openai.OpenAI | None = None, **overrides: Any) -> str:
    """Send one chat request with :data:`DEFAULTS` and return the reply's text.

    Parameters
    ----------
    messages : str or list of dict
        A single user message, or the full list of ``{"role": ..., "content": ...}``.
    llm : openai.OpenAI, optional
        Client to use (default :func:`client`).
    **overrides
        Any ``chat.completions.create`` argument, such as ``temperature`` or ``max_tokens``.

    Examples
    --------
    >>> chat("Give me one word that rhymes with vote.")  # doctest: +SKIP
    'Boat'
    """
    if isinstance(messages, str):
        messages = [{"role": "user", "content": messages}]
    llm = llm or client()
    reply = llm.chat.completions.create(**{"model": model_name(), "messages": messages, **DEFAULTS, **overrides})
    return reply.choices[0].message.content or ""
