"""The real local model server: start, answer through the openai client, stop, and every way it can fail.

These tests start llama.cpp's server on a free 127.0.0.1 port in a temporary
course folder and stop it by its recorded process id at the end.
"""

import importlib.util
import json
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from campaign_lab import ai, cli
from campaign_lab.ai import server
from campaign_lab.ai.errors import (
    LogprobsOff,
    ModelFileCorrupt,
    ModelFileMissing,
    PortTaken,
    PromptTooLong,
    ServerDown,
)
from campaign_lab.errors import BadInput

needs_llama = pytest.mark.skipif(
    importlib.util.find_spec("llama_cpp") is None,
    reason="llama-cpp-python is not installed; run `make model` (scripts/install-model.sh) to test the real local model",
)
PROVIDER_VARIABLES = ("CAMPAIGN_LAB_PROVIDER", "CAMPAIGN_LAB_MODEL", "CAMPAIGN_LAB_BASE_URL", "CAMPAIGN_LAB_MODEL_PATH")


def messages(text):
    return [{"role": "user", "content": text}]


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory):
    """A temporary course folder for this module, with no provider settings from outside."""
    root = tmp_path_factory.mktemp("course")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAMPAIGN_LAB_ROOT", str(root))
        for name in PROVIDER_VARIABLES:
            patch.delenv(name, raising=False)
        yield root


@pytest.fixture(scope="module")
def local_server(lab_root):
    started = server.serve(port=server.free_port())
    yield started
    server.stop()
    assert not psutil.pid_exists(started.pid) or psutil.Process(started.pid).status() == psutil.STATUS_ZOMBIE


@pytest.fixture
def other_root(tmp_path, monkeypatch):
    """A second, empty course folder (for tests that start or stop their own server)."""
    monkeypatch.setenv("CAMPAIGN_LAB_ROOT", str(tmp_path))
    return tmp_path


@pytest.fixture
def busy_port():
    """A 127.0.0.1 port held by a listening socket for the length of the test."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


# --- the running server --------------------------------------------------------


@needs_llama
@pytest.mark.slow
def test_server_answers_on_loopback_only(local_server):
    assert local_server.base_url.startswith("http://127.0.0.1:") and server.answering(local_server.port)


@needs_llama
@pytest.mark.slow
def test_status_reports_the_running_server(local_server):
    current = server.status()
    assert (current.running, current.answering, current.pid) == (True, True, local_server.pid)


@needs_llama
@pytest.mark.slow
def test_record_keeps_port_pid_and_log_in_the_state_folder(lab_root, local_server):
    record = json.loads((lab_root / "var" / "model" / "server.json").read_text())
    assert (record["pid"], record["port"]) == (local_server.pid, local_server.port)
    assert (lab_root / "var" / "model" / "server.log").is_file()


@needs_llama
@pytest.mark.slow
def test_serving_again_reuses_the_running_server(local_server):
    again = server.serve()
    assert again.pid == local_server.pid and again.note == "Already running."


@needs_llama
@pytest.mark.slow
def test_openai_client_lists_the_local_model(local_server):
    assert ai.model_name() in [model.id for model in ai.client().models.list().data]


@needs_llama
@pytest.mark.slow
def test_openai_client_gets_a_reply_from_the_local_model(local_server):
    reply = ai.client().chat.completions.create(
        model=ai.model_name(), messages=messages("Suggest a short slogan about safe streets."), **ai.DEFAULTS
    )
    assert reply.choices[0].message.content.strip()


@needs_llama
@pytest.mark.slow
def test_same_prompt_gives_the_same_text_even_after_another_prompt(local_server):
    llm = ai.client()

    def ask(text):
        reply = llm.chat.completions.create(model=ai.model_name(), messages=messages(text), temperature=0, seed=42, max_tokens=64)
        return reply.choices[0].message.content

    post = "Write a short post inviting young people to a town hall on public transport."
    first, again = ask(post), ask(post)
    ask("List three reasons to register to vote.")
    assert first == again == ask(post)


@needs_llama
@pytest.mark.slow
def test_prompt_longer_than_the_context_window_says_how_much_to_cut(local_server):
    too_long = "Our community needs safer bus stops. " * 400
    with pytest.raises(PromptTooLong, match=r"cut about \d+ tokens \(roughly \d+ words\)") as caught:
        ai.client().chat.completions.create(model=ai.model_name(), messages=messages(too_long))
    assert caught.value.tokens_to_cut > 0


@needs_llama
@pytest.mark.slow
def test_asking_for_logprobs_from_the_default_server_says_how_to_enable_them(local_server):
    with pytest.raises(LogprobsOff, match="--logprobs"):
        ai.client().chat.completions.create(model=ai.model_name(), messages=messages("Hi"), logprobs=True, max_tokens=4)


@needs_llama
@pytest.mark.slow
def test_server_started_with_logprobs_returns_token_probabilities(lab_root, other_root):
    server.serve(port=server.free_port(), logprobs=True)
    try:
        reply = ai.client().chat.completions.create(
            model=ai.model_name(), messages=messages("Say yes."), logprobs=True, max_tokens=4
        )
    finally:
        server.stop()
    assert reply.choices[0].logprobs.content[0].logprob <= 0


@needs_llama
@pytest.mark.slow
def test_status_command_exits_0_while_the_server_answers(local_server, capsys):
    assert cli.main(["model", "status"]) == 0
    assert "answering" in capsys.readouterr().out


# --- starting and stopping -------------------------------------------------------


@needs_llama
@pytest.mark.slow
def test_stopped_server_is_reported_down_to_the_client(lab_root, other_root):
    server.serve(port=server.free_port())
    llm = ai.client()
    server.stop()
    with pytest.raises(ServerDown, match="campaign-lab model serve"):
        llm.chat.completions.create(model=ai.model_name(), messages=messages("Hello"))


@needs_llama
@pytest.mark.slow
def test_stop_command_ends_the_server_it_started(lab_root, other_root, capsys):
    started = server.serve(port=server.free_port())
    assert cli.main(["model", "stop"]) == 0
    assert f"process {started.pid}" in capsys.readouterr().out
    assert not server.status().running


@needs_llama
@pytest.mark.slow
def test_two_programs_starting_the_server_at_once_share_one_server(lab_root, other_root):
    with ThreadPoolExecutor(max_workers=2) as pool:
        started = list(pool.map(lambda _: server.serve(port=None), range(2)))
    try:
        assert started[0].pid == started[1].pid and server.status().answering
    finally:
        server.stop()


@needs_llama
@pytest.mark.slow
def test_server_stops_by_itself_once_its_record_is_deleted(lab_root, other_root):
    started = server.serve(port=server.free_port())
    (server.state_path() / "server.json").unlink()
    process = psutil.Process(started.pid)
    try:
        process.wait(timeout=60)  # bounded: the server checks its record every second
    except psutil.TimeoutExpired:
        process.kill()
        pytest.fail("the server kept running after its record was deleted")


def test_status_command_exits_1_when_no_server_runs(other_root, capsys):
    assert cli.main(["model", "status"]) == 1
    assert "campaign-lab model serve" in capsys.readouterr().out


def test_stop_leaves_a_process_that_is_not_our_server_alone(other_root):
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record = {
            "pid": stranger.pid, "port": 1, "model": "m", "model_path": "m.gguf", "log": "server.log",
            "started": psutil.Process(stranger.pid).create_time(), "n_ctx": 2048, "command": [],
        }  # fmt: skip
        (server.state_path() / "server.json").write_text(json.dumps(record))
        message = server.stop()
        assert "no longer running" in message and stranger.poll() is None
    finally:
        stranger.kill()
        stranger.wait(timeout=10)


def test_stop_with_nothing_recorded_says_so(other_root):
    assert server.stop().startswith("No model server was started")


# --- bad input --------------------------------------------------------------------


def test_busy_default_port_falls_back_to_a_free_port_and_says_so(busy_port, monkeypatch):
    monkeypatch.setattr(server, "DEFAULT_PORT", busy_port)
    port, note = server.choose_port()
    assert port != busy_port and server.port_is_free(port)
    assert f"Port {busy_port} is used by another program" in note and str(port) in note


@needs_llama
def test_requested_port_in_use_raises_port_taken(other_root, busy_port):
    with pytest.raises(PortTaken, match=f"Port {busy_port} on 127.0.0.1 is already used"):
        server.serve(port=busy_port)


@needs_llama
def test_missing_model_file_names_the_file_and_how_to_get_it(other_root):
    missing = other_root / "models" / "bigger.gguf"
    with pytest.raises(ModelFileMissing, match="make model") as caught:
        server.serve(port=server.free_port(), model_path=missing)
    assert str(missing) in str(caught.value)


@needs_llama
def test_file_that_is_not_a_gguf_model_is_reported_corrupt(other_root):
    broken = other_root / "model.gguf"
    broken.write_bytes(b"<html>Download failed</html>")
    with pytest.raises(ModelFileCorrupt, match="not a GGUF model"):
        server.serve(port=server.free_port(), model_path=broken)


@needs_llama
@pytest.mark.slow
def test_truncated_model_file_is_reported_corrupt_and_nothing_keeps_running(other_root):
    truncated = other_root / "half-downloaded.gguf"
    with server.default_model_path().open("rb") as whole:
        truncated.write_bytes(whole.read(2_000_000))
    with pytest.raises(ModelFileCorrupt, match="could not be loaded") as caught:
        server.serve(port=server.free_port(), model_path=truncated)
    assert str(truncated) in str(caught.value)
    assert not server.status().running


def test_too_small_context_window_is_bad_input(other_root):
    with pytest.raises(BadInput, match="at least 256"):
        server.serve(n_ctx=16)


def test_model_setting_pointing_nowhere_is_reported_missing(other_root, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_LAB_MODEL_PATH", str(other_root / "nowhere.gguf"))
    if not server.runtime_installed():
        pytest.skip("llama-cpp-python is not installed; run `make model` to test model-file checks through serve()")
    with pytest.raises(ModelFileMissing, match="CAMPAIGN_LAB_MODEL_PATH"):
        server.serve(port=server.free_port())
