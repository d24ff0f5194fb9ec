"""Benchmark: validating one contact with its referral/case, per contact kind (target: under 1 ms).

    python bench/bench_rules.py [--iterations 5000]

The wizard re-runs the rules on every keystroke-level change, so what matters is the p99 of one
check_contact (+ counts_toward, as the compliance branch makes it) on a realistic contact. A long narrative
(20,000 characters with flagged terms and reporter details) is measured too: the text rules dominate it.
Prints a Markdown table for docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fieldapp.domain.records import Contact, ContactKind
from fieldapp.domain.rules import RuleContext, check_contact, counts_toward
from tests.factories import NARRATIVE, context_for, valid_contact


def _stats(samples: list[int]) -> tuple[float, float]:
    samples.sort()
    return statistics.median(samples) / 1000, samples[int(len(samples) * 0.99) - 1] / 1000


def measure(
    fn: Callable[[Contact], object], contact: Contact, iterations: int
) -> tuple[float, float, float, float]:
    """Wall-clock median and p99, then CPU-time (this thread) median and p99, in microseconds.

    On a shared 2-core machine the wall-clock p99 mostly measures time slices given to other processes;
    thread CPU time shows what the rules themselves cost.
    """
    # A fresh contact object per call, as each edit in the wizard makes one: nothing is served from the
    # engine's last-answer memo except what counts_toward asks again for the same object.
    copies = [contact.model_copy() for _ in range(iterations + 200)]
    for c in copies[:200]:
        fn(c)
    wall, cpu = [], []
    for c in copies[200:]:
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        fn(c)
        t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
        wall.append(t1 - t0)
        cpu.append(c1 - c0)
    return (*_stats(wall), *_stats(cpu))


def cases() -> list[tuple[str, Contact]]:
    out = [(kind.value, valid_contact(kind)) for kind in ContactKind]
    flagged = " The mother seemed drunk; Jordan called from 555-0199."
    plain = (NARRATIVE * (20_000 // len(NARRATIVE) + 1))[: 20_000 - len(flagged)] + flagged
    out.append(("20k-char narrative, 3 flags", valid_contact(ContactKind.CHILD_REFERRAL, narrative=plain)))
    noisy = NARRATIVE + flagged
    worst = (noisy * (20_000 // len(noisy) + 1))[:20_000]
    out.append(("(stress) 20k chars, ~140 flags", valid_contact(ContactKind.CHILD_REFERRAL, narrative=worst)))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--iterations", type=int, default=5000)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {args.iterations} iterations each\n")
    print(
        "| contact | check_contact wall median / p99 | check + counts_toward wall median / p99 "
        "| check + counts_toward CPU median / p99 | findings |"
    )
    print("|---|---|---|---|---|")
    worst = 0.0
    for label, contact in cases():
        ctx: RuleContext = context_for(contact)
        c_med, c_p99, _, _ = measure(lambda c, x=ctx: check_contact(c, x), contact, args.iterations)
        b_med, b_p99, cpu_med, cpu_p99 = measure(
            lambda c, x=ctx: (check_contact(c, x), counts_toward(c, x)), contact, args.iterations
        )
        if not label.startswith("(stress)"):
            worst = max(worst, cpu_p99)
        print(
            f"| {label} | {c_med:.0f} / {c_p99:.0f} µs | {b_med:.0f} / {b_p99:.0f} µs "
            f"| {cpu_med:.0f} / {cpu_p99:.0f} µs | {len(check_contact(contact, ctx))} |"
        )
    verdict = "OK" if worst < 1000 else "OVER TARGET"
    print(f"\nworst CPU p99 (realistic contacts): {worst:.0f} µs, target < 1000 µs: {verdict}")
    return 0 if worst < 1000 else 1


if __name__ == "__main__":
    sys.exit(main())
