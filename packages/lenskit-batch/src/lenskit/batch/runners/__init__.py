"""Runners: the ways a batch run can execute its chunks.

Every runner maps `lenskit.batch.tasks.run_task` over a stream of chunk
tasks and yields the results in input order, whatever order the jobs finish
in, so output never depends on the runner or the job count.
"""

from __future__ import annotations

from lenskit.batch.plan import RunPlan
from lenskit.batch.runners.base import Runner
from lenskit.batch.runners.sequential import SequentialRunner
from lenskit.batch.runners.threads import ThreadRunner


def make_runner(plan: RunPlan) -> Runner:
    """The runner *plan* asks for (Ray is imported only when asked for)."""
    if plan.runner == "ray":
        from lenskit.batch.runners.ray import RayRunner

        return RayRunner(plan)
    if plan.runner == "threads":
        return ThreadRunner(plan.jobs)
    return SequentialRunner()


__all__ = ["Runner", "SequentialRunner", "ThreadRunner", "make_runner"]
