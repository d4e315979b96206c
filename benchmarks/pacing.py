"""The send-slot rules on a virtual clock: the share of Telegram's 30/s a bot reaches when
its host runs it late, whatever else the machine does.

    .venv/bin/python -m benchmarks.pacing [--compare HEADROOM:MARGIN ...]

``benchmarks.rates`` measures the real worker in real time, so on a shared host its
figures move with the other load. This one replays the simulations of
:mod:`tests.core.test_pacing` (processes the host leaves unscheduled now and then,
requests that take 20-100 ms longer to arrive, a strict 30-in-a-second gate that must
refuse none) on :mod:`tests.virtualtime`'s clock: the same seeds give the same figures
on any machine, so two settings of :data:`core.ratelimit.HEADROOM` and
:data:`core.ratelimit.MARGIN` compare exactly. Prints min / median / max over four seeds
per scenario.
"""

from __future__ import annotations

import argparse
import random
import statistics
from dataclasses import dataclass

from tests.core import test_pacing as simulation
from townsquare.core import ratelimit


@dataclass(frozen=True)
class Scenario:
    name: str
    processes: int
    every: float
    """About how often (seconds) each process is left unscheduled..."""
    low: float
    high: float
    """...for this many seconds."""
    slow: float
    """Share of requests 20-100 ms late to arrive."""
    seed: int


SCENARIOS = (
    Scenario("1 process, light", 1, 1.0, 0.005, 0.020, 0.02, 1),
    Scenario("1 process, stalls 10-60 ms", 1, 0.4, 0.010, 0.060, 0.10, 2),
    Scenario("3 processes, stalls 60 ms", 3, 0.25, 0.060, 0.060, 0.05, 3),
    Scenario("3 processes, heavy", 3, 0.2, 0.020, 0.080, 0.30, 7),
)
SEEDS = 4
MESSAGES = 450


def shares(scenario: Scenario) -> list[float]:
    found = []
    for seed in range(scenario.seed, scenario.seed + SEEDS):
        rng = random.Random(seed)
        processes = [
            simulation.Process(simulation.stalls(rng, scenario.every, scenario.low, scenario.high))
            for _ in range(scenario.processes)
        ]
        platform = simulation.Platform(rng, slow=scenario.slow)
        simulation.broadcast(processes, platform, MESSAGES)
        if platform.gate.refused:
            raise SystemExit(f"{scenario.name}, seed {seed}: the gate answered 429")
        found.append(simulation.share(platform.arrivals, 30, 1.0))
    return found


def report(headroom: float, margin: float) -> None:
    ratelimit.HEADROOM, ratelimit.MARGIN = headroom, margin
    print(f"\nHEADROOM {headroom:g}, MARGIN {margin * 1000:g} ms (0 429s in every run)")
    for scenario in SCENARIOS:
        values = shares(scenario)
        low, mid, high = min(values), statistics.median(values), max(values)
        print(f"  {scenario.name:<30} {low:>7.1%} {mid:>7.1%} {high:>7.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--compare",
        nargs="*",
        default=[],
        metavar="HEADROOM:MARGIN",
        help="other settings to run after the current one, e.g. 0.97:0.040",
    )
    args = parser.parse_args()
    settings = [(ratelimit.HEADROOM, ratelimit.MARGIN)]
    for item in args.compare:
        headroom, _, margin = item.partition(":")
        settings.append((float(headroom), float(margin)))
    print(f"{MESSAGES} messages to private chats per run, Telegram's 30/s; min / median / max")
    for headroom, margin in settings:
        report(headroom, margin)


if __name__ == "__main__":
    main()
