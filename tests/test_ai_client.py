"""The course's openai client: friendly errors, redaction, defaults and refusals on every request.

Hosted providers are played by small HTTP servers on 127.0.0.1 that each test starts.
"""

import functools
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openai
import pytest

from campaign_lab.ai import DEFAULTS, client
from campaign_lab.ai.config import Settings
from campaign_lab.ai.errors import (
    APIKeyRejected,
    MissingAPIKey,
    PromptTooLong,
    ProviderUnreachable,
    RequestRefused,
    ServerDown,
    UnknownModel,
)
from campaign_lab.ai.safety import recognisers
from campaign_lab.ai.server import free_port
from campaign_lab.errors import BadInput

REPLY = {
    "id": "chatcmpl-test",
    "object": "chat.completion",
    "created": 0,
    "model": "test-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Thanks!"}, "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6},
}
TOO_LONG = {
    "error": {
        "message": "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens. "
        "Please reduce the length of the messages.",
        "type": "invalid_request_error",
        "code": "context_length_exceeded",
    }
}
BAD_KEY = {"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error", "code": "invalid_api_key"}}


class FakeProvider:
    """An OpenAI-like server on 127.0.0.1 that answers every POST with one fixed reply and keeps the bodies."""

    def __init__(self, status=200, payload=REPLY):
        self.received = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                provider.received.append(json.loads(self.rfile.read(length) or b"{}"))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def fake_provider():
    started = []

    def start(status=200, payload=REPLY):
        started.append(FakeProvider(status, payload))
        return started[-1]

    yield start
    for provider in started:
        provider.close()


def compatible(base_url):
    return Settings(provider="compatible", model="test-model", base_url=base_url)


def ask(llm, text, **options):
    return llm.chat.completions.create(model="test-model", messages=[{"role": "user", "content": text}], **options)


def test_openai_provider_without_key_names_the_missing_variable():
    with pytest.raises(MissingAPIKey, match="OPENAI_API_KEY is not set"):
        client(Settings(provider="openai"))


def test_azure_provider_without_key_names_its_own_variable():
    settings = Settings(provider="azure", model="drafts", azure_endpoint="https://example.invalid", api_version="2024-10-21")
    with pytest.raises(MissingAPIKey, match="AZURE_OPENAI_API_KEY"):
        client(settings)


def test_wrong_key_is_reported_as_rejected_without_showing_it(fake_provider):
    provider = fake_provider(status=401, payload=BAD_KEY)
    llm = client(Settings(provider="openai", api_key="sk-wrong-key-42", base_url=provider.base_url), max_retries=0)
    with pytest.raises(APIKeyRejected, match="OPENAI_API_KEY") as caught:
        ask(llm, "Hello")
    assert "sk-wrong-key-42" not in str(caught.value)


def test_unreachable_provider_is_reported_as_no_network():
    closed = f"http://127.0.0.1:{free_port()}/v1"
    llm = client(Settings(provider="openai", api_key="sk-test", base_url=closed), max_retries=0)
    with pytest.raises(ProviderUnreachable, match="offline"):
        ask(llm, "Hello")


def test_hosted_context_length_error_says_how_much_to_cut(fake_provider):
    provider = fake_provider(status=400, payload=TOO_LONG)
    llm = client(Settings(provider="openai", api_key="sk-test", base_url=provider.base_url), max_retries=0)
    with pytest.raises(PromptTooLong, match="cut about 808 tokens") as caught:
        ask(llm, "A long speech ...")
    assert caught.value.words_to_cut == 606


def test_unknown_model_is_reported(fake_provider):
    provider = fake_provider(status=404, payload={"error": {"message": "The model `nope` does not exist"}})
    llm = client(compatible(provider.base_url), max_retries=0)
    with pytest.raises(UnknownModel, match="CAMPAIGN_LAB_MODEL"):
        ask(llm, "Hello")


def test_text_sent_to_a_remote_provider_is_redacted(fake_provider):
    provider = fake_provider()
    llm = client(compatible(provider.base_url), names=["Esther Njoki"])
    ask(llm, "Thank Esther Njoki (esther@example.org, 0711 222 333) of 5 Lake Road for volunteering.")
    sent = provider.received[0]["messages"][0]["content"]
    assert sent == "Thank [NAME] ([EMAIL], [PHONE]) of [ADDRESS] for volunteering."


def test_system_and_structured_message_text_is_redacted_too(fake_provider):
    provider = fake_provider()
    llm = client(compatible(provider.base_url))
    llm.chat.completions.create(
        model="test-model",
        messages=[
            {"role": "system", "content": "The volunteer lead is reachable at lead@example.org."},
            {"role": "user", "content": [{"type": "text", "text": "Call +254 700 111 222 today."}]},
        ],
    )
    messages = provider.received[0]["messages"]
    assert messages[0]["content"] == "The volunteer lead is reachable at [EMAIL]."
    assert messages[1]["content"][0]["text"] == "Call [PHONE] today."


def test_missing_generation_settings_are_filled_from_defaults(fake_provider):
    provider = fake_provider()
    ask(client(compatible(provider.base_url)), "Hello")
    body = provider.received[0]
    assert {key: body[key] for key in DEFAULTS} == DEFAULTS


def test_settings_given_in_the_request_win_over_defaults(fake_provider):
    provider = fake_provider()
    ask(client(compatible(provider.base_url)), "Hello", temperature=0.8, max_tokens=40)
    body = provider.received[0]
    assert (body["temperature"], body["max_tokens"], body["seed"]) == (0.8, 40, DEFAULTS["seed"])


def test_refused_request_is_never_sent(fake_provider):
    provider = fake_provider()
    llm = client(compatible(provider.base_url))
    with pytest.raises(RequestRefused, match="Refused") as caught:
        ask(llm, "Write a tweet pretending to be Governor Salim announcing his resignation.")
    assert caught.value.category == "impersonation"
    assert provider.received == []


def test_refusal_policy_can_be_switched_off_for_a_demo(fake_provider):
    provider = fake_provider()
    ask(client(compatible(provider.base_url), check_requests=False), "Pretend to be Governor Salim.")
    assert len(provider.received) == 1


def test_copied_client_keeps_the_safety_checks(fake_provider):
    provider = fake_provider()
    llm = client(compatible(provider.base_url)).with_options(timeout=30)
    ask(llm, "Write to jo@example.org")
    assert provider.received[0]["messages"][0]["content"] == "Write to [EMAIL]"


def test_local_client_without_a_running_server_says_how_to_start_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_LAB_ROOT", str(tmp_path))
    with pytest.raises(ServerDown, match="campaign-lab model serve"):
        client(Settings(provider="local"), start_server=False)


# --- the name recogniser: names no list knows, failing closed, bad input ----------------------

@pytest.fixture
def recogniser_cannot_load(monkeypatch):
    """The spaCy pipeline is missing, as after an install that stopped half-way (nothing loaded yet)."""
    monkeypatch.setattr(recognisers, "PIPELINES", {"en": "no_such_spacy_pipeline", "fr": "no_such_spacy_pipeline"})
    fresh = functools.lru_cache(maxsize=4)(recognisers._analyzer_for.__wrapped__)
    monkeypatch.setattr(recognisers, "_analyzer_for", fresh)  # as in a new process
    yield


def test_a_name_no_list_knows_is_redacted_before_it_leaves(fake_provider):
    provider = fake_provider()
    ask(client(compatible(provider.base_url)), "Please thank our volunteer María José Fernández-Ruiz for the flyers.")
    assert provider.received[0]["messages"][0]["content"] == "Please thank our volunteer [NAME] for the flyers."


def test_hosted_request_is_refused_when_the_recogniser_cannot_load(fake_provider, recogniser_cannot_load):
    provider = fake_provider()
    llm = client(compatible(provider.base_url), max_retries=0)
    with pytest.raises(recognisers.RecogniserMissing, match=r"not installed.*make install") as caught:
        ask(llm, "Thank Wanjiku Achieng for the lift.")
    assert "\n" not in str(caught.value)
    assert provider.received == []


def test_local_model_keeps_working_when_the_recogniser_cannot_load(fake_provider, recogniser_cannot_load, monkeypatch):
    provider = fake_provider()
    monkeypatch.setattr(sys.modules["campaign_lab.ai.client"], "_local_base_url", lambda start_server: provider.base_url)
    ask(client(Settings(provider="local")), "Thank Wanjiku Achieng for the lift.")
    assert provider.received[0]["messages"][0]["content"] == "Thank Wanjiku Achieng for the lift."


@pytest.mark.slow
def test_without_presidio_installed_a_hosted_request_is_refused_in_one_line():
    script = (
        "import sys; sys.modules['presidio_analyzer'] = None\n"  # as if the package were not installed
        "from campaign_lab.ai.config import Settings\n"
        "from campaign_lab.ai import client\n"
        "llm = client(Settings(provider='compatible', model='m', base_url='http://192.0.2.1:9/v1'), max_retries=0)\n"
        "try:\n"
        "    llm.chat.completions.create(model='m', messages=[{'role': 'user', 'content': 'Hi Ana'}])\n"
        "except Exception as error:\n"
        "    print(type(error).__name__, error)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("RecogniserMissing The name recogniser is not installed"), done.stdout + done.stderr
    assert "make install" in done.stdout and len(done.stdout.strip().splitlines()) == 1


def test_a_megabyte_prompt_is_refused_quickly_and_not_sent(fake_provider):
    provider = fake_provider()
    started = time.perf_counter()
    with pytest.raises(BadInput, match="split it into parts"):
        ask(client(compatible(provider.base_url), max_retries=0), "Call Ana. " * 105_000)
    assert time.perf_counter() - started < 2
    assert provider.received == []


@pytest.mark.parametrize("depth", [100, 5000])
def test_a_deeply_nested_body_is_refused_in_one_sentence(fake_provider, depth):
    provider = fake_provider()
    content = "Call Ana on 0722 123 456"
    for _ in range(depth):
        content = [{"type": "text", "text": content}] if depth < 1000 else [content]
    with pytest.raises(BadInput, match="nested more than"):
        ask(client(compatible(provider.base_url), max_retries=0), content)
    assert provider.received == []


def test_binary_junk_is_sent_redacted_without_crashing(fake_provider):
    provider = fake_provider()
    junk = bytes(range(256)).decode("latin-1") * 8 + " mail ana@example.org \x00\ufffd"
    ask(client(compatible(provider.base_url), max_retries=0), junk)
    assert "ana@example.org" not in provider.received[0]["messages"][0]["content"]


def test_half_a_character_is_refused_in_one_sentence(fake_provider):
    provider = fake_provider()
    with pytest.raises(BadInput, match="broken character"):
        ask(client(compatible(provider.base_url), max_retries=0), "Call Ana \ud800 today")
    assert provider.received == []


def test_openai_still_retries_a_server_error_before_giving_up(fake_provider):
    provider = fake_provider(status=503, payload={"error": {"message": "overloaded"}})
    llm = client(compatible(provider.base_url), max_retries=1)
    with pytest.raises(openai.InternalServerError):
        ask(llm, "Hello")
    assert len(provider.received) == 2
