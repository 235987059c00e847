"""``Session.run_steps``: ``steps`` runs of one fetch set inside one compiled call.

Where it sits: used by the session. :class:`StepRuns` compiles a plan's pure
function into a ``lax.scan`` over the state (cached per plan, step count and
``unroll``), so the state afterwards is exactly that of ``steps`` separate runs
(same values, same RNG stream), and assembles the stacked outputs (host values
and host finalizers applied per step).
"""

from __future__ import annotations

from typing import Any

import jax
import numpy as np

from jgraph.compile import rng as _rng
from jgraph.compile.lower import LoweredRun
from jgraph.runtime.fetches import to_numpy
from jgraph.runtime.placement import Placement
from jgraph.runtime.plan import Plan
from jgraph.runtime.state import StateCall


class StepRuns:
    """A session's compiled multi-step runs, by (steps, unroll, plan)."""

    def __init__(self, placement: Placement) -> None:
        self._placement = placement
        self._calls: dict[tuple[int, int, Plan], StateCall] = {}

    def state_call(self, plan: Plan, steps: int, unroll: int) -> StateCall:
        """How ``steps`` runs of ``plan`` take the state: ``fn(ro, rw, fixed,
        stacked, key, consts)``; the scan carries every written variable (one only
        written, never read first, starts from zeros: the first step overwrites it)."""
        call = self._calls.get((steps, unroll, plan))
        if call is None:
            lowered = plan.lowered
            call = plan.state_call._replace(
                fn=scan_steps(lowered, steps, unroll, self._placement),
                zero_names=tuple(sorted(lowered.written_vars)),
            )
            self._calls[(steps, unroll, plan)] = call
        return call

    def clear(self) -> None:
        self._calls.clear()


def scan_steps(
    lowered: LoweredRun, steps: int, unroll: int, placement: Placement
) -> Any:
    """``steps`` runs of ``lowered`` as one jitted ``lax.scan`` over the state."""
    pure_fn = lowered.pure_fn

    def multi(
        ro: dict, rw: dict, fixed: tuple, stacked: tuple, key: Any, consts: tuple
    ) -> tuple:
        def body(carry: tuple, per_step: tuple) -> tuple:
            state, step_key = carry
            new_state, outputs, next_key = pure_fn(
                ro, state, (*fixed, *per_step), step_key, consts
            )
            return ({**state, **new_state}, next_key), outputs

        if key is not None:  # a counter for every random op, before the loop
            key = _rng.grown(key, lowered.rng_slots)
        (state, key), outputs = jax.lax.scan(
            body, (rw, key), stacked, length=steps, unroll=unroll
        )
        return state, outputs, key

    return placement.jit(
        multi, donate_argnums=(1,), compiler_options=dict(lowered.compiler_options)
    )


def step_results(
    plan: Plan,
    outputs: tuple,
    steps: int,
    return_all: bool,
    variables: dict[str, Any],
) -> list[Any]:
    """The fetched values of ``steps`` runs: stacked along a leading axis (host
    finalized ones as a list per step), or the last step's."""
    lowered = plan.lowered
    finalizers = dict(lowered.host_finalizers)
    results: list[Any] = []
    for index, value in enumerate(outputs):
        if index in lowered.host_outputs:
            value = np.array(lowered.host_outputs[index](variables))
            per_step = [value] * steps
        elif index in finalizers:
            per_step = [
                finalizers[index](jax.tree_util.tree_map(lambda v, k=k: v[k], value))
                for k in range(steps)
            ]
        else:
            array = np.asarray(value)
            results.append(array if return_all else to_numpy(array[-1]))
            continue
        results.append(per_step if return_all else per_step[-1])
    return results
