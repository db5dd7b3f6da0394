"""Which AI provider and model the course talks to, read from the environment.

Settings come from environment variables and from a ``.env`` file in the
course folder (git-ignored, so keys never reach the repository). A variable
set in the environment wins over the same name in ``.env``. The file is read
by python-dotenv (``KEY="value"  # comment`` gives ``value``) through
pydantic-settings, and the API keys are kept as ``SecretStr``: no ``repr``,
``str`` or dump of the settings shows them.

=========================  ===================================================
Variable                   Meaning
=========================  ===================================================
``CAMPAIGN_LAB_PROVIDER``  ``local`` (default), ``openai``, ``azure`` or
                           ``compatible`` (any OpenAI-compatible server, such
                           as Ollama or vLLM)
``CAMPAIGN_LAB_MODEL``     model name (the deployment name on Azure)
``CAMPAIGN_LAB_BASE_URL``  server address for ``compatible`` (optional for
                           ``openai``)
``CAMPAIGN_LAB_MODEL_PATH`` a larger GGUF model file for the local server
                           (relative paths start at the course folder)
``OPENAI_API_KEY``         key for ``openai`` (and ``compatible`` if needed)
``AZURE_OPENAI_API_KEY``   key for ``azure``
``AZURE_OPENAI_ENDPOINT``  your Azure OpenAI resource address
``OPENAI_API_VERSION``     Azure API version
=========================  ===================================================
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping
from urllib.parse import urlsplit

from dotenv.parser import parse_stream
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from campaign_lab import paths
from campaign_lab.errors import BadInput

__all__ = ["DEFAULT_OPENAI_MODEL", "LOCAL_MODEL_ALIAS", "PROVIDERS", "Settings", "dotenv_path", "load_settings", "read_dotenv"]

PROVIDERS = ("local", "openai", "azure", "compatible")
LOCAL_MODEL_ALIAS = "smollm2-135m-instruct"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_KEY_VARIABLE = {"openai": "OPENAI_API_KEY", "compatible": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY"}


class Settings(BaseModel):
    """Provider settings; the API key is a ``SecretStr`` that no ``repr`` or dump shows.

    Examples
    --------
    >>> Settings(provider="openai", api_key="sk-secret")
    Settings(provider='openai', model=None, base_url=None, model_path=None, secret_key=SecretStr('**********'), azure_endpoint=None, api_version=None)
    """

    model_config = ConfigDict(frozen=True, populate_by_name=True, protected_namespaces=())

    provider: str = "local"
    model: str | None = None
    base_url: str | None = None
    model_path: Path | None = None
    secret_key: SecretStr | None = Field(default=None, alias="api_key")
    azure_endpoint: str | None = None
    api_version: str | None = None

    @property
    def api_key(self) -> str | None:
        """The key in plain text, for the code that sends it to the provider (and nothing else)."""
        return self.secret_key.get_secret_value() if self.secret_key else None

    @property
    def is_local(self) -> bool:
        """True for the built-in local model, the only provider that gets unredacted text."""
        return self.provider == "local"

    def where(self) -> str:
        """Where the model answers, and whether what a trainee sends leaves the machine (a phrase).

        Examples
        --------
        >>> Settings().where()
        'running on the same machine as this notebook'
        >>> Settings(provider="compatible", base_url="http://127.0.0.1:8765/v1").where()
        'served on the same machine as this notebook (127.0.0.1:8765)'
        >>> Settings(provider="compatible", base_url="https://llm.example.org/v1").where()
        'served by llm.example.org, set up by your course: what you send goes there, with the personal data the course finds taken out'
        """
        if self.is_local:
            return "running on the same machine as this notebook"
        address = urlsplit(self.base_url or self.azure_endpoint or "https://api.openai.com")
        if address.hostname in _LOOPBACK:
            return f"served on the same machine as this notebook ({address.netloc})"
        who = {"openai": "OpenAI", "azure": f"Azure OpenAI ({address.hostname})"}.get(self.provider, address.hostname)
        setter = "" if self.provider == "openai" else ", set up by your course"
        return f"served by {who}{setter}: what you send goes there, with the personal data the course finds taken out"

    @property
    def key_variable(self) -> str | None:
        """Name of the environment variable that holds this provider's key."""
        return _KEY_VARIABLE.get(self.provider)


class _Variables(BaseSettings):
    """The variables the course reads: the environment (passed in as values) over the ``.env`` file."""

    model_config = SettingsConfigDict(extra="ignore", case_sensitive=True, env_file_encoding="utf-8")

    CAMPAIGN_LAB_PROVIDER: str = "local"
    CAMPAIGN_LAB_MODEL: str | None = None
    CAMPAIGN_LAB_BASE_URL: str | None = None
    CAMPAIGN_LAB_MODEL_PATH: str | None = None
    OPENAI_API_KEY: SecretStr | None = None
    AZURE_OPENAI_API_KEY: SecretStr | None = None
    AZURE_OPENAI_ENDPOINT: str | None = None
    OPENAI_API_VERSION: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_unset(cls, value):
        if isinstance(value, str):
            return value.strip() or None
        return value

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings, file_secret_settings):
        # The environment arrives as init values (os.environ or the caller's mapping), then the .env file.
        return init_settings, dotenv_settings


def dotenv_path() -> Path:
    """Return the course's ``.env`` file (it may not exist)."""
    return paths.project_root() / ".env"


def read_dotenv(path: Path) -> dict[str, str]:
    """Read ``KEY=value`` lines from a ``.env`` file with python-dotenv; a missing file gives ``{}``.

    Blank lines, ``#`` comments, ``export`` prefixes, quotes and comments after
    the value are understood as a shell would.

    Raises
    ------
    BadInput
        Naming the first line that is not of the form ``NAME=value``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> env = pathlib.Path(tempfile.mkdtemp()) / ".env"
    >>> _ = env.write_text('# my keys\\nexport CAMPAIGN_LAB_PROVIDER="openai"  # for the workshop\\n')
    >>> read_dotenv(env)
    {'CAMPAIGN_LAB_PROVIDER': 'openai'}
    """
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as stream:
        bindings = list(parse_stream(stream))
    for binding in bindings:
        if binding.error or (binding.key is not None and binding.value is None):
            raise BadInput(f"{path.name} line {binding.original.line} is not of the form NAME=value; fix or delete that line.")
    return {b.key: b.value for b in bindings if b.key is not None}


def load_settings(environ: Mapping[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Read the provider settings from the environment and the ``.env`` file.

    Parameters
    ----------
    environ : mapping, optional
        Variables to use instead of ``os.environ``.
    dotenv : Path, optional
        ``.env`` file to read instead of the course's own.

    Returns
    -------
    Settings

    Raises
    ------
    BadInput
        If the ``.env`` file has a line that is not ``NAME=value``, the provider
        is unknown or a setting it needs is missing.

    Examples
    --------
    >>> load_settings({"CAMPAIGN_LAB_PROVIDER": "local"}, dotenv=Path("no-such-file")).provider
    'local'
    """
    path = dotenv if dotenv is not None else dotenv_path()
    read_dotenv(path)  # a friendly error naming a broken line, before pydantic-settings reads the file
    overrides = os.environ if environ is None else environ
    given = {name: value for name, value in overrides.items() if name in _Variables.model_fields and value.strip()}
    variables = _Variables(_env_file=path if path.is_file() else None, **given)
    provider = (variables.CAMPAIGN_LAB_PROVIDER or "local").lower()
    if provider not in PROVIDERS:
        raise BadInput(f"CAMPAIGN_LAB_PROVIDER is {provider!r}; use one of: {', '.join(PROVIDERS)}.")
    model_path = variables.CAMPAIGN_LAB_MODEL_PATH
    settings = Settings(
        provider=provider,
        model=variables.CAMPAIGN_LAB_MODEL,
        base_url=variables.CAMPAIGN_LAB_BASE_URL,
        model_path=_course_path(model_path) if model_path else None,
        secret_key=getattr(variables, _KEY_VARIABLE[provider]) if provider in _KEY_VARIABLE else None,
        azure_endpoint=variables.AZURE_OPENAI_ENDPOINT,
        api_version=variables.OPENAI_API_VERSION,
    )
    _require_provider_fields(settings)
    return settings


def _course_path(value: str) -> Path:
    """A path from the settings; a relative one is taken from the course folder, not the notebook's."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else paths.project_root() / path


def _require_provider_fields(settings: Settings) -> None:
    needed = {
        "compatible": [("CAMPAIGN_LAB_BASE_URL", settings.base_url), ("CAMPAIGN_LAB_MODEL", settings.model)],
        "azure": [
            ("AZURE_OPENAI_ENDPOINT", settings.azure_endpoint),
            ("OPENAI_API_VERSION", settings.api_version),
            ("CAMPAIGN_LAB_MODEL", settings.model),
        ],
    }.get(settings.provider, [])
    missing = [name for name, value in needed if not value]
    if missing:
        raise BadInput(
            f"The {settings.provider} provider needs {' and '.join(missing)}; "
            "set them in the .env file in the course folder or in the environment."
        )
