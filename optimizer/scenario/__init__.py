"""What-if scenarios: a whole return day simulated with the product's own code, against today's practice."""

from optimizer.scenario.kpis import Kpis
from optimizer.scenario.simulation import ScenarioResult, simulate
from optimizer.scenario.spec import ScenarioSpec, load_scenario

__all__ = ["Kpis", "ScenarioResult", "ScenarioSpec", "load_scenario", "simulate"]
