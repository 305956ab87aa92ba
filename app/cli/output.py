"""How commands print: one JSON document with --json, readable lines otherwise. Progress
goes to stderr so stdout stays one document."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


def emit(result: dict, as_json: bool, text: str | None = None) -> None:
    if as_json:
        sys.stdout.write(json.dumps(result, default=_default, indent=2) + "\n")
    else:
        sys.stdout.write((text if text is not None else _plain(result)) + "\n")
    sys.stdout.flush()


def _plain(result: dict, indent: str = "") -> str:
    lines = []
    for key, value in result.items():
        if isinstance(value, dict):
            lines.append(f"{indent}{key}:")
            lines.append(_plain(value, indent + "  "))
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{indent}{key}:")
            for item in value:
                lines.append(indent + "  - " + ", ".join(f"{k}={v}" for k, v in item.items()))
        else:
            lines.append(f"{indent}{key}: {value}")
    return "\n".join(lines)


def emit_error(message: str, as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"error": message}) + "\n")
        sys.stdout.flush()
    sys.stderr.write(f"basketry: error: {message}\n")


def progress_printer(as_json: bool):
    """A progress callback that writes one line per step to stderr."""
    def report(message: str, fraction: float | None) -> None:
        pct = f"[{fraction * 100:3.0f}%] " if fraction is not None else ""
        sys.stderr.write(f"{pct}{message}\n")
        sys.stderr.flush()
    return report
