"""The real local model server: start, answer through the openai client, stop, and every way it can fail.

These tests start llama.cpp's server on a free 127.0.0.1 port in a temporary
course folder and stop it by its recorded process id at the end.
"""

import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from campaign_lab import ai, cli, resources
from campaign_lab.ai import server
from campaign_lab.ai.errors import (
    ModelBusy,
    ModelFileCorrupt,
    ModelFileMissing,
    PortTaken,
    PromptTooLong,
    ServerDown,
    ServerStarting,
    ServerStopped,
)
from campaign_lab.errors import BadInput

needs_llama = pytest.mark.skipif(
    not server.runtime_installed(),
    reason="llama.cpp's server is not installed; run `make model` (scripts/install-model.sh) to test the real local model",
)
POST = "Write a short post inviting young people to a town hall on public transport."
OTHER_PROMPTS = (
    "List three reasons to register to vote.",
    "Draft a thank-you note to volunteers who knocked on doors.",
    "Write a fundraising email opening about safer bus stops.",
    "Suggest a slogan about clean parks.",
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
    started = server.serve(port=server.free_port(), slots=5)
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

    first, again = ask(llm, POST), ask(llm, POST)
    ask(llm, OTHER_PROMPTS[0])
    assert first == again == ask(llm, POST)


def ask(llm, text, max_tokens=64):
    reply = llm.chat.completions.create(model=ai.model_name(), messages=messages(text), temperature=0, seed=42, max_tokens=max_tokens)
    return reply.choices[0].message.content


@needs_llama
@pytest.mark.slow
def test_same_prompt_gives_the_same_text_while_four_other_requests_run(local_server):
    llm = ai.client()
    alone = ask(llm, POST)
    with ThreadPoolExecutor(max_workers=5) as pool:
        others = [pool.submit(ask, llm, text, 96) for text in OTHER_PROMPTS]
        time.sleep(0.3)  # the others are decoding when this one joins the batch
        during = pool.submit(ask, llm, POST).result(timeout=120)
        assert all(other.result(timeout=120).strip() for other in others)
    assert during == alone


def first_token_times(llm, prompts, max_tokens):
    """Stream every prompt at once; return (seconds to first text, seconds to the end) for each."""
    start = time.perf_counter()

    def stream(text):
        first = None
        for chunk in llm.chat.completions.create(
            model=ai.model_name(), messages=messages(text), stream=True, temperature=0, max_tokens=max_tokens
        ):
            if first is None and chunk.choices and chunk.choices[0].delta.content:
                first = time.perf_counter() - start
        return first, time.perf_counter() - start

    with ThreadPoolExecutor(max_workers=len(prompts)) as pool:
        return list(pool.map(stream, prompts))


@needs_llama
@pytest.mark.slow
def test_four_requests_are_answered_together_not_one_after_another(local_server):
    times = first_token_times(ai.client(), OTHER_PROMPTS, max_tokens=64)
    first_to_finish = min(end for _, end in times)
    assert all(first is not None and first < first_to_finish for first, _ in times)


@needs_llama
@pytest.mark.slow
def test_status_answers_at_once_while_the_model_generates(local_server):
    llm, seen, done = ai.client(), threading.Event(), threading.Event()

    def long_answer():
        for _chunk in llm.chat.completions.create(model=ai.model_name(), messages=messages(POST), stream=True, max_tokens=300):
            seen.set()
            if done.is_set():
                break  # leaving the stream frees the slot

    worker = threading.Thread(target=long_answer)
    worker.start()
    try:
        assert seen.wait(60)
        start = time.perf_counter()
        current = server.status()
        assert current.answering and time.perf_counter() - start < 2.0
    finally:
        done.set()
        worker.join(timeout=120)


@needs_llama
@pytest.mark.slow
def test_prompt_longer_than_the_context_window_says_how_much_to_cut(local_server):
    too_long = "Our community needs safer bus stops. " * 400
    with pytest.raises(PromptTooLong, match=r"cut about \d+ tokens \(roughly \d+ words\)") as caught:
        ai.client().chat.completions.create(model=ai.model_name(), messages=messages(too_long))
    assert caught.value.tokens_to_cut > 0


@needs_llama
@pytest.mark.slow
def test_server_returns_token_probabilities_when_asked(local_server):
    reply = ai.client().chat.completions.create(model=ai.model_name(), messages=messages("Say yes."), logprobs=True, max_tokens=4)
    assert reply.choices[0].logprobs.content[0].logprob <= 0


def slots_busy(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/slots", timeout=5) as reply:
        return [slot["is_processing"] for slot in json.load(reply)]


@needs_llama
@pytest.mark.slow
def test_client_that_disconnects_mid_stream_frees_its_slot(local_server):
    stream = ai.client().chat.completions.create(model=ai.model_name(), messages=messages(POST), stream=True, max_tokens=1500)
    for count, _chunk in enumerate(stream):
        if count == 3:
            break
    assert any(slots_busy(local_server.port))
    stream.close()
    deadline = time.monotonic() + 20
    while any(slots_busy(local_server.port)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(slots_busy(local_server.port))


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
    process = psutil.Process(started.pid)
    model_process = process.children()[0]
    (server.state_path() / "server.json").unlink()
    try:
        process.wait(timeout=60)  # bounded: the launcher checks its record twice a second
        model_process.wait(timeout=15)
    except psutil.TimeoutExpired:
        process.kill()
        model_process.kill()
        pytest.fail("the server kept running after its record was deleted")


@needs_llama
@pytest.mark.slow
def test_server_killed_mid_request_is_restarted_and_the_cell_says_so_in_one_line(lab_root, other_root):
    started = server.serve(port=server.free_port(), slots=1)
    model_process = psutil.Process(started.pid).children()[0]
    llm = ai.client()
    threading.Timer(1.0, model_process.send_signal, [signal.SIGKILL]).start()
    try:
        with pytest.raises(ServerStopped, match="stopped while answering.*restarted, so run this cell again") as caught:
            llm.chat.completions.create(model=ai.model_name(), messages=messages(POST), max_tokens=1500)
        assert "\n" not in str(caught.value)
        again = server.status()
        assert again.answering and again.pid != started.pid and again.port == started.port
        assert ask(llm, "Say hello.", max_tokens=4)  # the same client object works again
    finally:
        server.stop()


@needs_llama
@pytest.mark.slow
def test_requests_past_the_waiting_bound_are_told_to_retry_at_once(lab_root, other_root, monkeypatch):
    monkeypatch.setattr(server, "WAITING_PER_SLOT", 0)  # one slot, nobody may wait
    server.serve(port=server.free_port(), slots=1)
    llm, seen, done = ai.client(), threading.Event(), threading.Event()

    def long_answer():
        for _chunk in llm.chat.completions.create(model=ai.model_name(), messages=messages(POST), stream=True, max_tokens=200):
            seen.set()
            if done.is_set():
                break

    worker = threading.Thread(target=long_answer)
    worker.start()
    try:
        assert seen.wait(60)
        start = time.perf_counter()
        with pytest.raises(ModelBusy, match=r"busy answering other trainees, try again in \d+ s") as caught:
            ask(llm, "Say hello.", max_tokens=4)
        assert time.perf_counter() - start < 5 and caught.value.retry_after_s > 0
    finally:
        done.set()
        worker.join(timeout=120)
        server.stop()
    assert not worker.is_alive()


@needs_llama
@pytest.mark.slow
def test_serve_without_waiting_returns_while_the_model_loads_and_the_notebook_then_reaches_it(lab_root, other_root):
    start = time.perf_counter()
    launched = server.serve(port=server.free_port(), wait=False)
    try:
        assert time.perf_counter() - start < 5 and not launched.answering
        assert "starting, about" in launched.note
        try:
            llm = ai.client()  # waits a few seconds for the model, then says how long is left
        except ServerStarting as starting:
            assert re.fullmatch(r"The local AI model is starting, about \d+ s; run this cell again then\.", str(starting))
            assert server.wait_until_answering(120).answering
            llm = ai.client()
        assert ask(llm, "Say hello.", max_tokens=4)
    finally:
        server.stop()


@pytest.mark.parametrize(("limit", "threads"), [("1", 1), ("2", 2 - 1)])
def test_model_threads_follow_the_cpus_this_process_may_use_leaving_one_to_kernels(monkeypatch, limit, threads):
    monkeypatch.setenv("CPU_LIMIT", limit)
    if resources.usable_cpus() < int(limit):
        pytest.skip(f"this machine lets the tests use fewer than {limit} CPUs")
    assert server.default_threads() == threads


def test_slots_are_bounded_by_memory(monkeypatch):
    monkeypatch.setenv("MEM_LIMIT", str(200 * 2**20))  # a 200 MB pod: a quarter holds one 2048-token slot
    assert server.default_slots() == 1
    monkeypatch.setenv("MEM_LIMIT", str(16 * 2**30))
    assert server.default_slots() == server.DEFAULT_SLOTS


def test_status_command_exits_1_when_no_server_runs(other_root, capsys):
    assert cli.main(["model", "status"]) == 1
    assert "campaign-lab model serve" in capsys.readouterr().out


def test_stop_leaves_a_process_that_is_not_our_server_alone(other_root):
    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        record = {
            "pid": stranger.pid, "port": 1, "model": "m", "model_path": "m.gguf", "log": "server.log",
            "started": psutil.Process(stranger.pid).create_time(), "n_ctx": 2048, "command": [], "slots": 1,
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


@pytest.mark.parametrize("slots", [0, 500])
def test_slot_count_out_of_range_is_bad_input(other_root, slots):
    with pytest.raises(BadInput, match="--slots"):
        server.serve(slots=slots)


@pytest.mark.parametrize("threads", [0, -1, 10_000])
def test_thread_count_out_of_range_is_bad_input_and_starts_nothing(other_root, threads):
    with pytest.raises(BadInput, match="--threads"):
        server.serve(threads=threads)
    assert not server.status().running


@needs_llama
def test_serve_runs_the_model_with_the_threads_asked_for(other_root):
    started = server.serve(port=server.free_port(), threads=1, slots=1)
    try:
        command = psutil.Process(started.pid).cmdline()
        assert command[command.index("--threads") + 1] == "1"
    finally:
        server.stop()


def test_model_setting_pointing_nowhere_is_reported_missing(other_root, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_LAB_MODEL_PATH", str(other_root / "nowhere.gguf"))
    if not server.runtime_installed():
        pytest.skip("llama.cpp's server is not installed; run `make model` to test model-file checks through serve()")
    with pytest.raises(ModelFileMissing, match="CAMPAIGN_LAB_MODEL_PATH"):
        server.serve(port=server.free_port())
