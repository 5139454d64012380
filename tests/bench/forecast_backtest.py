"""The bed-occupancy forecast's backtest on a generated history: prints, per ward type, the mean
absolute error (beds) of Holt-Winters and of the seasonal-naive baseline over the last 90 days,
which one the panel would show, and the seconds the backtest took. No database needed.

    .venv/bin/python tests/bench/forecast_backtest.py [--days 365] [--seed 20]

The history: a year of midnight censuses per ward type with a weekly pattern (fuller at the
weekend for general and emergency, flat for ICU), a slow trend and random day-to-day noise.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")

import django  # noqa: E402

django.setup()

from reports import forecast  # noqa: E402

# ward type: (beds, weekday level, weekend extra, noise sd)
WARDS = {
    "ICU": (8, 5.0, 0.0, 1.0),
    "General": (60, 38.0, 10.0, 3.0),
    "Private": (12, 6.0, 2.0, 1.5),
    "Emergency": (15, 6.0, 5.0, 2.0),
}


def generated(
    days: int, level: float, weekend: float, noise: float, rng: random.Random
) -> list[float]:
    """A census series: level + weekend extra on Saturdays and Sundays + a slow drift + noise."""
    return [
        max(
            0,
            round(level + (weekend if day % 7 in (5, 6) else 0) + day * 0.01 + rng.gauss(0, noise)),
        )
        for day in range(days)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=20)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    print(
        f"{'ward type':<10} {'model MAE':>10} {'baseline MAE':>13} {'compared':>9} {'shown':>9} {'seconds':>8}"
    )
    for name, (_beds, level, weekend, noise) in WARDS.items():
        history = generated(args.days, level, weekend, noise, rng)
        began = time.perf_counter()
        check = forecast.backtest(history)
        took = time.perf_counter() - began
        print(
            f"{name:<10} {check.model_mae:>10.2f} {check.baseline_mae:>13.2f} {check.compared:>9} "
            f"{check.method:>9} {took:>8.2f}"
        )


if __name__ == "__main__":
    main()
