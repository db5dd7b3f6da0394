"""Which AI provider and model the course talks to, read from the environment.

Settings come from environment variables and from a ``.env`` file in the
course folder (git-ignored, so keys never reach the repository). A variable
set in the environment wins over the same name in ``.env``.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from campaign_lab import paths
from campaign_lab.errors import BadInput

PROVIDERS = ("local", "openai", "azure", "compatible")
LOCAL_MODEL_ALIAS = "smollm2-135m-instruct"
DEFAULT_OPENAI_MODEL = "gpt-4o-mini"
_KEY_VARIABLE = {"openai": "OPENAI_API_KEY", "compatible": "OPENAI_API_KEY", "azure": "AZURE_OPENAI_API_KEY"}


@dataclass(frozen=True)
class Settings:
    """Provider settings; ``repr`` hides the API key.

    Examples
    --------
    >>> Settings(provider="openai", api_key="sk-secret")
    Settings(provider='openai', model=None, base_url=None, model_path=None, api_key='<hidden>', azure_endpoint=None, api_version=None)
    """

    provider: str = "local"
    model: str | None = None
    base_url: str | None = None
    model_path: Path | None = None
    api_key: str | None = None
    azure_endpoint: str | None = None
    api_version: str | None = None

    def __repr__(self) -> str:
        shown = {name: getattr(self, name) for name in self.__dataclass_fields__}
        shown["api_key"] = "<hidden>" if self.api_key else None
        body = ", ".join(f"{name}={value!r}" for name, value in shown.items())
        return f"Settings({body})"

    __str__ = __repr__

    @property
    def is_local(self) -> bool:
        """True for the built-in local model, the only provider that gets unredacted text."""
        return self.provider == "local"

    @property
    def key_variable(self) -> str | None:
        """Name of the environment variable that holds this provider's key."""
        return _KEY_VARIABLE.get(self.provider)


def dotenv_path() -> Path:
    """Return the course's ``.env`` file (it may not exist)."""
    return paths.project_root() / ".env"


def read_dotenv(path: Path) -> dict[str, str]:
    """Read ``KEY=value`` lines from a ``.env`` file; a missing file gives ``{}``.

    Blank lines and ``#`` comments are skipped, ``export`` prefixes and matching
    quotes around the value are removed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> env = pathlib.Path(tempfile.mkdtemp()) / ".env"
    >>> _ = env.write_text('# my keys\\nexport CAMPAIGN_LAB_PROVIDER="openai"\\n')
    >>> read_dotenv(env)
    {'CAMPAIGN_LAB_PROVIDER': 'openai'}
    """
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export ") :].strip()
        name, sep, value = line.partition("=")
        if not sep or not name.strip():
            raise BadInput(f"{path.name} line {number} is not of the form NAME=value; fix or delete that line.")
        values[name.strip()] = _unquote(value.strip())
    return values


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value.split(" #", 1)[0].strip()


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
        If the provider is unknown or a setting it needs is missing.

    Examples
    --------
    >>> load_settings({"CAMPAIGN_LAB_PROVIDER": "local"}, dotenv=Path("no-such-file")).provider
    'local'
    """
    values = {**read_dotenv(dotenv if dotenv is not None else dotenv_path())}
    overrides = os.environ if environ is None else environ
    values.update({name: value for name, value in overrides.items() if value.strip()})
    get = lambda name: (values.get(name) or "").strip() or None  # noqa: E731
    provider = (get("CAMPAIGN_LAB_PROVIDER") or "local").lower()
    if provider not in PROVIDERS:
        raise BadInput(f"CAMPAIGN_LAB_PROVIDER is {provider!r}; use one of: {', '.join(PROVIDERS)}.")
    model_path = get("CAMPAIGN_LAB_MODEL_PATH")
    settings = Settings(
        provider=provider,
        model=get("CAMPAIGN_LAB_MODEL"),
        base_url=get("CAMPAIGN_LAB_BASE_URL"),
        model_path=_course_path(model_path) if model_path else None,
        api_key=get(_KEY_VARIABLE[provider]) if provider in _KEY_VARIABLE else None,
        azure_endpoint=get("AZURE_OPENAI_ENDPOINT"),
        api_version=get("OPENAI_API_VERSION"),
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
