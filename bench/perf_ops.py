#!/usr/bin/env python3
"""Per-operation share of a clasp training step on the CPU, from a `perf` profile.

Usage:
    perf record -F 300 --call-graph dwarf,32768 -o step.data clasp bench swav-step --threads 1 --repeat 2
    perf script -i step.data | bench/perf_ops.py

Each sample is attributed to the outermost backend operation on its stack (a burn `flex`
operation, one of burn's default backward functions, or a `SpatialBackend` method of
clasp-backends) and to the phase it ran in: `bwd` under the autodiff backward pass, `optim` in
the optimiser, `sinkhorn` in the SwAV codes, `fwd` otherwise. Prints the 30 largest shares.
Sampling is proportional to CPU time, so the shares hold on a loaded machine too.
"""
import collections
import re
import sys

OP = re.compile(
    r"(?:Ops<burn_flex::backend::Flex> for burn_flex::backend::Flex>"
    r"|SpatialBackend for burn_flex::backend::Flex>"
    r"|burn_backend::backend::ops::[a-z_:]+::[A-Za-z]+Ops)::([a-z_0-9]+)"
)
FRAME = re.compile(r"\s+[0-9a-f]+ (.*) \(")


def stacks(lines):
    """The stacks of `perf script` output, innermost frame first."""
    stack = []
    for line in lines:
        if not line.strip():
            if stack:
                yield stack
            stack = []
        elif line[0] in " \t":
            m = FRAME.match(line)
            if m:
                stack.append(m.group(1))
        else:
            stack = []
    if stack:
        yield stack


def phase(stack):
    if any("swav_codes" in f for f in stack):
        return "sinkhorn"
    if any("optim" in f and "adaptor" in f for f in stack):
        return "optim"
    return "bwd" if any("execute_steps" in f for f in stack) else "fwd"


def main():
    shares = collections.Counter()
    total = 0
    for stack in stacks(sys.stdin):
        total += 1
        op = next((m.group(1) for m in map(OP.search, reversed(stack)) if m), "other")
        shares[(phase(stack), op)] += 1
    for (ph, op), n in shares.most_common(30):
        print(f"{100 * n / total:6.2f} %  {ph:8s} {op}")
    print(f"{total} samples")


if __name__ == "__main__":
    main()
