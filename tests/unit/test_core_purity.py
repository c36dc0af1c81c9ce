"""The pure core imports only the standard library and never reads the clock or environment."""

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "src" / "lms" / "core"
FORBIDDEN_CALLS = {"today", "now", "utcnow", "time", "getenv"}


def _modules() -> list[Path]:
    return sorted(CORE.glob("*.py"))


def test_core_imports_only_the_standard_library() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if name.startswith("lms.core") or top in sys.stdlib_module_names:
                    continue
                offenders.append(f"{path.name}: {name}")
    assert offenders == []
    assert len(_modules()) >= 10


def test_core_never_reads_the_clock_or_environment() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_CALLS:
                offenders.append(f"{path.name}:{node.lineno} .{node.attr}")
            # money.py names float once: to refuse it in the constructor.
            if isinstance(node, ast.Name) and node.id == "float" and path.name != "money.py":
                offenders.append(f"{path.name}:{node.lineno} float")
            if isinstance(node, ast.Attribute) and node.attr == "environ":
                offenders.append(f"{path.name}:{node.lineno} environ")
    assert offenders == []
