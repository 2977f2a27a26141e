"""The README's notebook example runs as written."""

from __future__ import annotations

import ast
import re
from typing import Any

from tests.paths import ROOT

README = ROOT / "README.md"


def test_the_readme_notebook_example_plans_a_valid_route() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    example = next(block for block in blocks if "from optimizer import" in block)
    statements = [node for node in ast.parse(example).body if not isinstance(node, ast.ImportFrom)]
    assert len(statements) <= 6, "the example stays a few lines"
    namespace: dict[str, Any] = {}
    exec(compile(example, str(README), "exec"), namespace)
    problem, result = namespace["problem"], namespace["result"]
    assert namespace["validate"](problem, result) == []
    assert sorted(stop.request_id for route in result.routes for stop in route.stops) == [f"r{i}" for i in range(5)]
