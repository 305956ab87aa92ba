"""The layering rule: app/ and wallet/ never import Qt, so the CLI and core run headless."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QT_MODULES = {"PySide6", "PyQt5", "PyQt6", "qtpy", "shiboken6"}


def qt_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        found += [f"{path.relative_to(ROOT)}:{node.lineno} {n}" for n in names
                  if n.split(".")[0] in QT_MODULES]
    return found


def test_core_and_wallet_source_never_import_qt():
    offenders = [hit for package in ("app", "wallet") for path in (ROOT / package).rglob("*.py")
                 for hit in qt_imports(path)]
    assert offenders == []


def test_the_check_catches_a_qt_import(tmp_path):
    sample = ROOT / "app" / "_layering_probe.py"
    sample.write_text("from PySide6.QtCore import QObject\n")
    try:
        assert qt_imports(sample) == ["app/_layering_probe.py:1 PySide6.QtCore"]
    finally:
        sample.unlink()


def test_every_core_module_imports_without_loading_qt():
    modules = sorted(".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
                     for package in ("app", "wallet") for p in (ROOT / package).rglob("*.py")
                     if p.name != "__main__.py")
    code = ("import importlib, sys\n"
            f"for name in {modules!r}: importlib.import_module(name)\n"
            "loaded = sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{sorted(QT_MODULES)!r})\n"
            "assert not loaded, loaded\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
