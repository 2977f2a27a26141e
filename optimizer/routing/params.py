"""Solver parameters: one small validated object instead of module constants."""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.errors import ValidationError

RACE_STARTS = ("auto", "fork", "forkserver", "spawn")


@dataclass(frozen=True)
class SolveParams:
    """How `solve` shares its time and models the problem; the defaults are the measured ones.

    Parameters
    ----------
    search_share
        Share of the time limit given to the search; model building and reporting take the rest.
    ortools_share
        Share of the search time OR-Tools keeps when PyVRP races on both cores.
    exact_exchange_limit
        Largest model whose exchange loads are tracked exactly in the search. Exact tracking needs a
        side constraint (a route's start load equals its total deliveries) that the routing filters
        cannot see, so insertions fail late: on 500 pickups with 10 % exchanges the first plan took
        17 s instead of 1 s. Larger models count an exchange's delivery as on board for the whole
        route (never infeasible, sometimes too cautious); the exact repair pass then inserts what
        still fits.
    seed_noise
        Largest relative change a non-zero seed makes to an arc's distance cost in the search.
    race
        Let PyVRP race OR-Tools where its model fits (and no solution limit asks for determinism).
    race_start
        How the race's child process starts: ``auto`` (fork in a single-threaded process, else a
        fork server), or ``fork``, ``forkserver`` or ``spawn``.
    """

    search_share: float = 0.97
    ortools_share: float = 0.15
    exact_exchange_limit: int = 200
    seed_noise: float = 0.005
    race: bool = True
    race_start: str = "auto"

    def __post_init__(self) -> None:
        for name in ("search_share", "ortools_share"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
                raise ValidationError(name, f"must be a share in (0, 1], got {value!r}")
        limit = self.exact_exchange_limit
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
            raise ValidationError("exact_exchange_limit", f"must be an integer >= 0, got {limit!r}")
        noise = self.seed_noise
        if isinstance(noise, bool) or not isinstance(noise, int | float) or not 0 <= noise < 0.5:
            raise ValidationError("seed_noise", f"must be within [0, 0.5), got {noise!r}")
        if not isinstance(self.race, bool):
            raise ValidationError("race", f"must be true or false, got {self.race!r}")
        if self.race_start not in RACE_STARTS:
            raise ValidationError("race_start", f"must be one of {', '.join(RACE_STARTS)}, got {self.race_start!r}")
