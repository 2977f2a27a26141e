"""Where the tests find the project's files, wherever a test module sits in the tree."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The checkout."""
FIXTURES = ROOT / "tests" / "fixtures"
TINY_REGION = FIXTURES / "regions" / "tiny"
"""A 1.1 km road network (207 nodes, 61 KB) cut from shanghai-central: the region for fast tests."""
SAMPLE_PROBLEM = ROOT / "scenarios" / "pickups_pingshan_sample.json"
INSTANCES = ROOT / "benchmarks" / "instances"
SCENARIOS = ROOT / "scenarios"
SMALL_SCENARIO = FIXTURES / "small_scenario.toml"
ARTIFACTS = ROOT / "test-artifacts"
"""What tests keep for people to look at (browser screenshots); BACKHAUL_TEST_ARTIFACTS moves it."""
