"""The resolver: the one place a count that is 0 (derive) or -1 becomes a number.

Settings objects, ``lenskit.parallel``, the batch planner, the CLI and the
Rayon backend all call it.  Rules are the `Rule` metadata of the declaration,
evaluated in declaration order (a rule may use the settings above it); each
derived value records its rule and the numbers used.  It also turns resolved
settings into environment variables for child processes.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import cache
from types import CodeType
from typing import TYPE_CHECKING

from lenskit.config._machine import cpu_facts, is_free_threaded
from lenskit.config._source import ValueSource
from lenskit.config._values import Rule

if TYPE_CHECKING:
    from lenskit.config._settings import ParallelSettings

BLAS_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""Variables that size BLAS/OpenMP pools when they load."""

USER_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
"""When the user set one of these, lenskit leaves BLAS pools alone."""

_FUNCTIONS = {"__builtins__": {}, "min": min, "max": max}
_exported: dict[str, str] = {}  # what export_blas_threads wrote, not to be taken for the user's


def rule_of(model: type[ParallelSettings], name: str) -> Rule | None:
    """The default rule declared for field *name*, if it has one."""
    return next((m for m in model.model_fields[name].metadata if isinstance(m, Rule)), None)


def is_resolved(settings: ParallelSettings) -> bool:
    """Whether every count is a concrete number (backend threads may stay -1)."""
    s = settings
    return min(s.num_cpus, s.num_threads, s.num_batch_jobs) > 0 and s.num_backend_threads != 0


def resolve(settings: ParallelSettings) -> None:
    """Work out, in place, every count that is 0 or -1, recording how each was derived."""
    sources = dict(settings._sources)
    if settings.num_cpus <= 0:
        facts = cpu_facts()
        settings.num_cpus = facts.effective
        sources["num_cpus"] = ValueSource("derived", facts.limited_by)
    names: dict[str, object] = {
        "N": settings.num_cpus,
        "use_ray": settings.use_ray,
        "free_threaded": is_free_threaded(require_active=True),
    }
    for name in type(settings).model_fields:
        rule = rule_of(type(settings), name)
        value = getattr(settings, name)
        if rule is not None and name != "num_cpus":
            source = sources.get(name, ValueSource("default"))
            if value == 0:
                value = _evaluate(rule.default, names)
                sources[name] = ValueSource("derived", rule.default, _bindings(rule.default, names))
            elif value == -1 and rule.minus_one:
                value = _evaluate(rule.minus_one, names)
                sources[name] = replace(source, note=f"-1 = {rule.minus_one} = {value}")
            elif value == -1:
                sources[name] = replace(source, note=f"-1 = {rule.minus_one_text}")
            setattr(settings, name, value)
        names[name] = value
    settings._sources = sources


def resolved_copy(settings: ParallelSettings) -> ParallelSettings:
    """*settings* itself if resolved, else a resolved copy (the original is left as it is)."""
    if is_resolved(settings):
        return settings
    copy = settings.model_copy()
    resolve(copy)
    return copy


@cache
def _compiled(formula: str) -> CodeType:
    return compile(formula, f"<rule {formula}>", "eval")


def _evaluate(formula: str, names: dict[str, object]) -> int:
    return int(eval(_compiled(formula), _FUNCTIONS, names))


def _bindings(formula: str, names: dict[str, object]) -> str:
    """``"N=8, num_threads=4"``: the values the formula used, in the order it names them."""
    used = [name for name in _compiled(formula).co_names if name in names]
    return ", ".join(f"{name}={_text(names[name])}" for name in used)


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def user_blas_env() -> dict[str, str]:
    """The BLAS/OpenMP variables the user set (those lenskit exported are not counted)."""
    return {
        var: os.environ[var]
        for var in BLAS_THREAD_VARS
        if var in os.environ and _exported.get(var) != os.environ[var]
    }


def export_blas_threads(threads: int) -> None:
    """Set the BLAS/OpenMP variables the user did not set, so pools that load later are sized.

    Does nothing when the user sized BLAS (``OPENBLAS_NUM_THREADS`` or ``MKL_NUM_THREADS``).
    """
    user = user_blas_env()
    if any(var in user for var in USER_BLAS_VARS):
        return
    for var in BLAS_THREAD_VARS:
        if var not in user:
            os.environ[var] = _exported[var] = str(threads)


def blas_env(threads: int) -> dict[str, str]:
    """BLAS variables for a child: the user's own values, else *threads* (none for -1)."""
    user = user_blas_env()
    if threads == -1:
        return user
    return {var: user.get(var, str(threads)) for var in BLAS_THREAD_VARS}


def lenskit_env(settings: ParallelSettings) -> dict[str, str]:
    """LensKit's ``env_vars()``: the three counts and the BLAS variables, resolved."""
    r = resolved_copy(settings)
    env = {
        "LK_NUM_BATCH_JOBS": str(r.num_batch_jobs),
        "LK_NUM_THREADS": str(r.num_threads),
        "LK_NUM_BACKEND_THREADS": str(r.num_backend_threads),
    }
    return env | blas_env(r.num_backend_threads)


def worker_env(settings: ParallelSettings) -> dict[str, str]:
    """Every ``LK_*`` setting for one of ``num_batch_jobs`` workers sharing the CPUs.

    Each worker gets ``num_cpus // num_batch_jobs`` CPUs (at least 1) for its
    threads and backend pools, runs one job and does not start Ray itself.
    """
    r = resolved_copy(settings)
    share = max(1, r.num_cpus // r.num_batch_jobs)
    backend = (
        r.num_backend_threads if r.num_backend_threads == -1 else min(r.num_backend_threads, share)
    )
    values = r.model_dump() | {
        "num_cpus": share,
        "num_threads": min(r.num_threads, share),
        "num_batch_jobs": 1,
        "num_backend_threads": backend,
        "use_ray": False,
        "ray_address": None,
    }
    prefix = str(type(r).model_config.get("env_prefix", ""))
    env = {prefix + name.upper(): _text(v) for name, v in values.items() if v is not None}
    return env | blas_env(backend)


def peak_threads(settings: ParallelSettings) -> int:
    """The most threads all layers may run at once: jobs x (threads + backend threads).

    Backend pools left alone (-1) count as one thread per CPU.
    """
    r = resolved_copy(settings)
    backend = r.num_cpus if r.num_backend_threads == -1 else r.num_backend_threads
    return r.num_batch_jobs * (r.num_threads + backend)
