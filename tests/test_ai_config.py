"""Provider settings come from the environment and a .env file, and never show the key."""

from pathlib import Path

import pytest

from campaign_lab.ai.config import Settings, load_settings, read_dotenv
from campaign_lab.errors import BadInput

NO_FILE = Path("does-not-exist.env")


def write_env(tmp_path, text):
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_local_model_is_the_default_provider():
    assert load_settings({}, dotenv=NO_FILE).provider == "local"


def test_dotenv_file_sets_the_provider_and_key(tmp_path):
    env = write_env(tmp_path, "CAMPAIGN_LAB_PROVIDER=openai\nOPENAI_API_KEY=sk-from-file\n")
    settings = load_settings({}, dotenv=env)
    assert (settings.provider, settings.api_key) == ("openai", "sk-from-file")


def test_environment_variable_wins_over_dotenv(tmp_path):
    env = write_env(tmp_path, "CAMPAIGN_LAB_PROVIDER=openai\nOPENAI_API_KEY=sk-file\n")
    settings = load_settings({"OPENAI_API_KEY": "sk-env"}, dotenv=env)
    assert settings.api_key == "sk-env"


def test_empty_environment_variable_does_not_hide_dotenv_value(tmp_path):
    env = write_env(tmp_path, "CAMPAIGN_LAB_PROVIDER=openai\nOPENAI_API_KEY=sk-file\n")
    assert load_settings({"OPENAI_API_KEY": ""}, dotenv=env).api_key == "sk-file"


def test_dotenv_quotes_export_and_comments_are_understood(tmp_path):
    env = write_env(tmp_path, '# keys\nexport CAMPAIGN_LAB_MODEL="llama3.2"\nCAMPAIGN_LAB_BASE_URL=http://127.0.0.1:11434/v1  # ollama\n')
    assert read_dotenv(env) == {"CAMPAIGN_LAB_MODEL": "llama3.2", "CAMPAIGN_LAB_BASE_URL": "http://127.0.0.1:11434/v1"}


def test_dotenv_line_without_equals_is_bad_input_naming_the_line(tmp_path):
    env = write_env(tmp_path, "CAMPAIGN_LAB_PROVIDER=local\nOPENAI_API_KEY sk-oops\n")
    with pytest.raises(BadInput, match="line 2"):
        read_dotenv(env)


def test_unknown_provider_is_bad_input_listing_the_choices():
    with pytest.raises(BadInput, match="local, openai, azure, compatible"):
        load_settings({"CAMPAIGN_LAB_PROVIDER": "gemini"}, dotenv=NO_FILE)


def test_compatible_provider_needs_a_base_url():
    with pytest.raises(BadInput, match="CAMPAIGN_LAB_BASE_URL"):
        load_settings({"CAMPAIGN_LAB_PROVIDER": "compatible", "CAMPAIGN_LAB_MODEL": "llama3.2"}, dotenv=NO_FILE)


def test_azure_provider_needs_endpoint_and_api_version():
    with pytest.raises(BadInput, match="AZURE_OPENAI_ENDPOINT and OPENAI_API_VERSION"):
        load_settings({"CAMPAIGN_LAB_PROVIDER": "azure", "CAMPAIGN_LAB_MODEL": "gpt-drafts"}, dotenv=NO_FILE)


def test_azure_provider_reads_its_own_key_variable():
    settings = load_settings(
        {
            "CAMPAIGN_LAB_PROVIDER": "azure",
            "CAMPAIGN_LAB_MODEL": "drafts",
            "AZURE_OPENAI_ENDPOINT": "https://example.invalid",
            "OPENAI_API_VERSION": "2024-10-21",
            "AZURE_OPENAI_API_KEY": "azure-secret",
            "OPENAI_API_KEY": "openai-secret",
        },
        dotenv=NO_FILE,
    )
    assert settings.api_key == "azure-secret"


def test_model_path_in_the_home_folder_is_expanded():
    settings = load_settings({"CAMPAIGN_LAB_MODEL_PATH": "~/models/bigger.gguf"}, dotenv=NO_FILE)
    assert settings.model_path == Path("~/models/bigger.gguf").expanduser()


def test_relative_model_path_starts_at_the_course_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("CAMPAIGN_LAB_ROOT", str(tmp_path))
    settings = load_settings({"CAMPAIGN_LAB_MODEL_PATH": "models/bigger.gguf"}, dotenv=NO_FILE)
    assert settings.model_path == tmp_path / "models" / "bigger.gguf"


def test_settings_repr_str_and_dumps_hide_the_api_key():
    settings = Settings(provider="openai", api_key="sk-very-secret-123")
    shown = repr(settings) + str(settings) + f"{settings}" + str(settings.model_dump()) + settings.model_dump_json()
    assert "sk-very-secret-123" not in shown and "**********" in shown
    assert settings.api_key == "sk-very-secret-123"  # what the client sends


def test_a_key_read_from_dotenv_is_never_printed(tmp_path, capsys):
    env = write_env(tmp_path, "CAMPAIGN_LAB_PROVIDER=openai\nOPENAI_API_KEY='sk-from-file-789'\n")
    settings = load_settings({}, dotenv=env)
    print(settings, repr(settings), settings.model_dump())
    assert "sk-from-file-789" not in capsys.readouterr().out
    assert settings.api_key == "sk-from-file-789"


@pytest.mark.parametrize("line", ['OPENAI_API_KEY="sk-abc"  # comment', "OPENAI_API_KEY='sk-abc' # comment",
                                  "OPENAI_API_KEY=sk-abc  # comment", "export OPENAI_API_KEY=sk-abc"])
def test_dotenv_quotes_and_comments_around_a_key_are_not_part_of_it(tmp_path, line):
    env = write_env(tmp_path, f"CAMPAIGN_LAB_PROVIDER=openai\n{line}\n")
    assert load_settings({}, dotenv=env).api_key == "sk-abc"


def test_a_hash_inside_quotes_stays_in_the_value(tmp_path):
    env = write_env(tmp_path, 'CAMPAIGN_LAB_PROVIDER=openai\nOPENAI_API_KEY="sk-a#b"  # comment\n')
    assert load_settings({}, dotenv=env).api_key == "sk-a#b"


def test_other_variables_in_dotenv_are_ignored(tmp_path):
    env = write_env(tmp_path, "JUPYTER_TOKEN=abc\nCAMPAIGN_LAB_MODEL=llama3.2\n")
    assert load_settings({}, dotenv=env).model == "llama3.2"


@pytest.mark.parametrize(
    ("settings", "stays", "named"),
    [
        (Settings(), True, "same machine"),
        (Settings(provider="compatible", base_url="http://localhost:9000/v1", model="m"), True, "localhost:9000"),
        (Settings(provider="compatible", base_url="http://10.0.0.7:8000/v1", model="m"), False, "10.0.0.7"),
        (Settings(provider="openai"), False, "OpenAI"),
        (Settings(provider="azure", azure_endpoint="https://ours.openai.azure.com", api_version="2024-06-01"), False, "ours.openai.azure.com"),
    ],
)
def test_a_notebook_says_where_the_model_answers_and_whether_text_leaves_the_machine(settings, stays, named):
    where = settings.where()
    assert named in where
    assert ("what you send goes there" in where) is not stays
