"""Answers as plain data: how a trainee's answers leave the grading box.

After a submitted notebook has run in the box, :func:`export_answers` writes the
values of its exercises' answer names to one JSON file. Only plain data goes
in: values of the exact built-in types (no subclass), file paths, compiled
patterns, NumPy scalars and arrays, pandas tables as Parquet, and functions as their source code (with the names
their code uses). Anything else is written as *refused*, with its type name.

Outside the box, :func:`load_answers` reads the file back as the grader's own
objects, checking every tag and type, so an object that lies about equality or
arithmetic never reaches a check: the most a trainee's code can do is choose
the values written, which is what answering is. Nothing here unpickles or
evaluates what the file holds.

Examples
--------
>>> decode(encode({"wards": [3, 4.5, "north"], "rural": True}))
{'wards': [3, 4.5, 'north'], 'rural': True}
>>> class Liar(int):
...     def __eq__(self, other): return True
>>> decode(encode(Liar(3)))
Refused(type_name='Liar')
"""

from __future__ import annotations

import ast
import base64
import builtins
import inspect
import io
import json
import re
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path, PosixPath, PurePosixPath
from typing import Any

from campaign_lab.checks.core import ____

FILE = "answers.json"  # what the box's export cell writes
FORMAT = "campaign-lab/answers"
VERSION = 1
MAX_DEPTH = 12
MAX_ITEMS = 200_000  # list items and dict entries in one answer
MAX_BYTES = 32 * 1024 * 1024  # of the whole file


class AnswersUnreadable(ValueError):
    """The answers file is missing, too big, or not this format."""


@dataclass(frozen=True)
class Refused:
    """An answer that is not plain data (an object of a class of its own, an open file...)."""

    type_name: str

    def __repr__(self) -> str:
        return f"Refused(type_name={self.type_name!r})"


@dataclass(frozen=True)
class FunctionAnswer:
    """A function answer: its source and the names its code uses, never a callable here."""

    name: str
    source: str
    imports: dict[str, str] = field(default_factory=dict)  # name in the code -> module imported
    helpers: dict[str, str] = field(default_factory=dict)  # other functions of the notebook -> source
    constants: dict[str, Any] = field(default_factory=dict)  # plain values the code reads


# --------------------------------------------------------------------------
# Inside the box (the trainee's kernel)


def export_answers(namespace: dict, names: list[str], path: str | Path) -> None:
    """Write the answers ``names`` found in ``namespace`` to ``path``; a missing name is left out."""
    answers = {}
    for name in names:
        if name in namespace:
            try:
                answers[name] = encode(namespace[name], namespace)
            except Exception as error:  # a value that cannot be written is refused, never fatal
                answers[name] = {"t": "refused", "type": f"{type(error).__name__} while saving"}
    Path(path).write_text(json.dumps({"format": FORMAT, "version": VERSION, "answers": answers}))


_SCALARS = {type(None): "none", bool: "bool", int: "int", float: "float", str: "str"}
_SEQUENCES = {list: "list", tuple: "tuple", set: "set", frozenset: "frozenset"}


def encode(value: Any, namespace: dict | None = None, depth: int = 0) -> dict:
    """A value as tagged JSON-ready data (exact types only)."""
    kind = type(value)
    if depth > MAX_DEPTH:
        return {"t": "refused", "type": "nested too deeply"}
    if value is ____ or value is Ellipsis:
        return {"t": "blank"}
    if kind in _SCALARS:
        return {"t": _SCALARS[kind], "v": value}
    if kind in _SEQUENCES:
        return {"t": _SEQUENCES[kind], "v": [encode(item, namespace, depth + 1) for item in _bounded(value)]}
    if kind is dict:
        return {"t": "dict", "v": [[encode(k, namespace, depth + 1), encode(v, namespace, depth + 1)]
                                   for k, v in _bounded(value.items())]}
    if kind is types.FunctionType:
        return _encode_function(value, namespace or {})
    if kind in (PosixPath, PurePosixPath):
        return {"t": "path", "v": str(value)}
    if kind is re.Pattern and type(value.pattern) is str:
        return {"t": "regex", "v": value.pattern, "flags": int(value.flags)}
    return _encode_library_value(value)


def _bounded(items):
    items = list(items)
    if len(items) > MAX_ITEMS:
        raise ValueError(f"more than {MAX_ITEMS} items")
    return items


def _encode_library_value(value: Any) -> dict:
    """NumPy and pandas values by exact type; anything else refused."""
    import numpy as np
    import pandas as pd

    kind = type(value)
    if kind in (pd.DataFrame, pd.Series):
        frame = value.to_frame(name="__series__" if value.name is None else value.name) if kind is pd.Series else value
        buffer = io.BytesIO()
        frame.to_parquet(buffer)
        return {"t": "series" if kind is pd.Series else "frame", "parquet": _b64(buffer.getvalue()),
                "unnamed": kind is pd.Series and value.name is None}
    if kind is np.ndarray and value.dtype != object:
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {"t": "ndarray", "npy": _b64(buffer.getvalue())}
    if isinstance(value, np.generic) and kind in _numpy_scalar_types():
        return {"t": "np", "dtype": value.dtype.str, "v": value.item()}
    if kind is pd.Timestamp:
        return {"t": "timestamp", "v": value.isoformat()}
    return {"t": "refused", "type": kind.__name__[:80]}


def _numpy_scalar_types() -> set:
    import numpy as np

    return {np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
            np.float16, np.float32, np.float64, np.str_}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _encode_function(function: types.FunctionType, namespace: dict) -> dict:
    """A function as its source, the modules and helper functions its code names, and plain constants."""
    answer = {"t": "function", "name": function.__name__, "source": _source(function),
              "imports": {}, "helpers": {}, "constants": {}}
    seen = {function.__name__}
    pending = list(_global_names(function.__code__))
    while pending:
        name = pending.pop()
        if name in seen or name not in namespace:
            continue
        seen.add(name)
        value = namespace[name]
        if type(value) is types.ModuleType:
            answer["imports"][name] = value.__name__
        elif type(value) is types.FunctionType and value.__module__ == "__main__":  # defined in the notebook
            answer["helpers"][name] = _source(value)
            pending += _global_names(value.__code__)
        elif type(value) in _SCALARS or type(value) in _SEQUENCES or type(value) in (dict, re.Pattern):
            answer["constants"][name] = encode(value, None, 1)
        elif getattr(value, "__module__", None) not in (None, "__main__") and hasattr(value, "__qualname__"):
            answer["imports"][name] = f"{value.__module__}:{value.__qualname__}"  # a library's class or function
    return answer


def _source(function: types.FunctionType) -> str:
    return textwrap.dedent(inspect.getsource(function))


def _global_names(code: types.CodeType) -> list[str]:
    names = list(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names += _global_names(constant)
    return names


# --------------------------------------------------------------------------
# Outside the box (the grader)


def load_answers(path: Path) -> dict[str, Any]:
    """``{answer name: value}`` from an answers file, every value rebuilt by the grader.

    Raises
    ------
    AnswersUnreadable
        If the file is missing, larger than :data:`MAX_BYTES` or not this format.
    """
    try:
        if path.stat().st_size > MAX_BYTES:
            raise AnswersUnreadable(f"the answers file is over {MAX_BYTES // 2**20} MiB")
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AnswersUnreadable(f"the answers could not be read ({type(error).__name__})") from None
    if type(record) is not dict or record.get("format") != FORMAT or record.get("version") != VERSION:
        raise AnswersUnreadable("the answers file is not in the grader's format")
    answers = record.get("answers")
    if type(answers) is not dict:
        raise AnswersUnreadable("the answers file has no answers")
    return {str(name): _decode_or_refuse(item) for name, item in answers.items()}


def _decode_or_refuse(item: Any) -> Any:
    try:
        return decode(item)
    except Exception:  # anything malformed counts as an answer the grader cannot take
        return Refused("malformed data")


def decode(item: Any, depth: int = 0) -> Any:
    """Rebuild one tagged value; raises ``ValueError`` on anything out of format."""
    if type(item) is not dict or type(item.get("t")) is not str or depth > MAX_DEPTH + 1:
        raise ValueError("not a tagged value")
    tag = item["t"]
    if tag in _DECODE_SCALAR:
        value = item.get("v")
        if type(value) is not _DECODE_SCALAR[tag]:
            raise ValueError(f"{tag} holds a {type(value).__name__}")
        return value
    if tag in _DECODE_SEQUENCE:
        return _DECODE_SEQUENCE[tag](decode(part, depth + 1) for part in _items(item))
    if tag == "dict":
        return {decode(pair[0], depth + 1): decode(pair[1], depth + 1) for pair in _pairs(item)}
    if tag == "blank":
        return ____
    if tag == "path":
        if type(item.get("v")) is not str:
            raise ValueError("not a path")
        return Path(item["v"])
    if tag == "regex":
        pattern, flags = item.get("v"), item.get("flags")
        if type(pattern) is not str or type(flags) is not int:
            raise ValueError("not a pattern")
        return re.compile(pattern, flags)
    if tag == "refused":
        return Refused(str(item.get("type", "unknown"))[:80])
    if tag == "function":
        return _decode_function(item)
    return _decode_library_value(tag, item)


_DECODE_SCALAR = {"none": type(None), "bool": bool, "int": int, "float": float, "str": str}
_DECODE_SEQUENCE = {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}


def _items(item: dict) -> list:
    values = item.get("v")
    if type(values) is not list or len(values) > MAX_ITEMS:
        raise ValueError("not a list of values")
    return values


def _pairs(item: dict) -> list:
    pairs = _items(item)
    if not all(type(pair) is list and len(pair) == 2 for pair in pairs):
        raise ValueError("not a list of pairs")
    return pairs


def _decode_library_value(tag: str, item: dict) -> Any:
    import numpy as np
    import pandas as pd

    if tag in ("frame", "series"):
        import pyarrow.parquet as pq

        frame = pq.read_table(io.BytesIO(_unb64(item, "parquet"))).to_pandas()
        if tag == "frame":
            return frame
        series = frame.iloc[:, 0]
        return series.rename(None) if item.get("unnamed") is True else series
    if tag == "ndarray":
        return np.load(io.BytesIO(_unb64(item, "npy")), allow_pickle=False)
    if tag == "np":
        dtype = np.dtype(str(item.get("dtype")))
        if dtype.type not in _numpy_scalar_types():
            raise ValueError("not a plain NumPy type")
        value = item.get("v")
        if type(value) not in (bool, int, float, str):
            raise ValueError("not a plain NumPy value")
        return dtype.type(value)
    if tag == "timestamp":
        return pd.Timestamp(str(item.get("v")))
    raise ValueError(f"unknown tag {tag!r}")


def _unb64(item: dict, key: str) -> bytes:
    text = item.get(key)
    if type(text) is not str:
        raise ValueError(f"no {key} data")
    return base64.b64decode(text, validate=True)


def _decode_function(item: dict) -> FunctionAnswer:
    name, source = item.get("name"), item.get("source")
    if type(name) is not str or not name.isidentifier() or type(source) is not str:
        raise ValueError("not a function")
    ast.parse(source)  # parsed, never run here: a function that is not Python is malformed
    imports = _string_map(item.get("imports", {}))
    helpers = _string_map(item.get("helpers", {}))
    constants = item.get("constants", {})
    if type(constants) is not dict:
        raise ValueError("constants are not a mapping")
    return FunctionAnswer(name, source, imports, helpers, {str(k): decode(v, 1) for k, v in constants.items()})


def _string_map(value: Any) -> dict[str, str]:
    if type(value) is not dict or not all(type(k) is str and type(v) is str for k, v in value.items()):
        raise ValueError("not a mapping of names")
    return dict(value)


def function_namespace(answer: FunctionAnswer) -> dict:
    """The globals a function answer runs with: its imports, constants and helpers (box side only).

    Running the returned namespace's function runs the trainee's code: only the
    function runner, inside a box, calls this.
    """
    import importlib

    namespace: dict = {"__builtins__": builtins, "__name__": "__main__"}
    for name, target in answer.imports.items():
        module_name, _, attribute = target.partition(":")
        try:
            value = importlib.import_module(module_name)
            for part in filter(None, attribute.split(".")):
                value = getattr(value, part)
            namespace[name] = value
        except Exception:  # the code will meet a NameError, as it would have in the notebook
            continue
    namespace.update(answer.constants)
    for source in list(answer.helpers.values()) + [answer.source]:
        exec(compile(source, f"<{answer.name}>", "exec"), namespace)  # noqa: S102 - inside the box
    return namespace
