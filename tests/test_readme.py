"""The README's notebook example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_notebook_example_plans_a_valid_route(capsys: pytest.CaptureFixture[str]) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    example = next(block for block in blocks if "from optimizer import" in block)
    assert len(example.strip().splitlines()) <= 6, "the example stays short"
    exec(compile(example, str(README), "exec"), {})  # the validator's assert runs inside
    printed = capsys.readouterr().out
    assert sorted(re.findall(r"'(r\d)'", printed)) == ["r1", "r2", "r3", "r4", "r5"], "every pickup is served"
