"""``lenskit recommend``: train a model and write recommendations for many users.

The command is the project's front door: with no options it trains item
k-NN on the bundled ml-latest-small and writes top-10 lists for every user,
then says how long each step took and which parallel settings it used (and
where each came from).  Mistakes in options or files stop it before any
work, with one line naming the option or file and what is wrong.

Only click and lenskit-config are imported at module level, so ``lenskit
--help`` stays fast; data, model and batch code load when the command runs.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from lenskit.cli._signals import exit_cleanly_on_signals
from lenskit.config import ConfigError

if TYPE_CHECKING:
    import numpy as np

    from lenskit.batch import RunPlan
    from lenskit.data import Interactions

MODELS = ("item-knn", "user-knn", "biased-mf", "implicit-mf")
KNN_MODELS = ("item-knn", "user-knn")
MF_MODELS = ("biased-mf", "implicit-mf")
TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""The range of integer ids (the ratings store them as int64)."""


@dataclass
class _Timings:
    fit: float = 0.0
    recommend: float = 0.0


@click.command()
@click.option(
    "--ratings",
    type=click.Path(path_type=Path),
    default=None,
    help="Ratings to train on: CSV/TSV/Parquet file or MovieLens folder "
    "[default: bundled ml-latest-small].",
)
@click.option(
    "--model",
    type=click.Choice(MODELS),
    default="item-knn",
    show_default=True,
    help="Recommender to train.",
)
@click.option(
    "-n", "n", type=click.IntRange(min=1), default=10, show_default=True, help="Items per user."
)
@click.option(
    "-k",
    "k",
    type=click.IntRange(min=1),
    default=None,
    help="k-NN: neighbours per prediction [default: 20].",
)
@click.option(
    "--save-nbrs",
    type=click.IntRange(min=1),
    default=None,
    help="item-knn: keep at most this many neighbours per item, for a smaller model "
    "[default: all].",
)
@click.option(
    "--min-sim",
    type=float,
    default=None,
    help="k-NN: only neighbours more similar than this (at least 0) count [default: 1e-6].",
)
@click.option(
    "--embedding-size",
    "--features",
    "embedding_size",
    type=click.IntRange(min=1),
    default=None,
    help="Matrix factorisation: dimensions of the embeddings [default: 64].",
)
@click.option(
    "--epochs",
    type=click.IntRange(min=1),
    default=None,
    help="Matrix factorisation: training epochs [default: 10].",
)
@click.option(
    "--regularization",
    type=float,
    default=None,
    help="Matrix factorisation: L2 regularisation, > 0 [default: 0.1].",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=None,
    help="Matrix factorisation: seed of the initial embeddings [default: fresh, reported].",
)
@click.option(
    "--users",
    "users_file",
    type=click.Path(path_type=Path),
    default=None,
    help="User ids to recommend for: one per line, or a CSV/Parquet file with a user "
    "column [default: every user in the ratings].",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    default=Path("recommendations.parquet"),
    show_default=True,
    help="Where to write recommendations (.parquet or .csv).",
)
@click.option(
    "--jobs",
    type=int,
    default=None,
    help="Batch jobs run at once; -1 means one per CPU [default: num_batch_jobs setting].",
)
@click.option(
    "--ray/--no-ray",
    "use_ray",
    default=None,
    help="Run batch jobs as Ray tasks [default: use_ray setting].",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar on stderr [default: when stderr is a terminal].",
)
@exit_cleanly_on_signals(lambda output, **_: _left_as_it_was(output))
def recommend(
    *,
    ratings: Path | None,
    model: str,
    n: int,
    k: int | None,
    save_nbrs: int | None,
    min_sim: float | None,
    embedding_size: int | None,
    epochs: int | None,
    regularization: float | None,
    seed: int | None,
    users_file: Path | None,
    output: Path,
    jobs: int | None,
    use_ray: bool | None,
    progress: bool | None,
) -> None:
    """Train a model and write top-N recommendations for every user."""
    _check_output(output)
    mf_scorer = _mf_scorer(
        model,
        embedding_size=embedding_size,
        epochs=epochs,
        regularization=regularization,
        seed=seed,
    )
    knn_options = _knn_options(model, k=k, save_nbrs=save_nbrs, min_sim=min_sim)
    if jobs is not None and (jobs == 0 or jobs < -1):
        raise click.BadParameter(
            f"{jobs} is not a number of jobs; use 1 or more, or -1 for one per CPU",
            param_hint="'--jobs'",
        )

    try:
        from lenskit.batch import RayUnavailableError, plan_run
        from lenskit.batch.runners.ray_cluster import import_ray
    except ImportError:
        raise click.ClickException(
            "lenskit recommend needs lenskit-batch, which is not installed "
            "(pip install lenskit-batch)"
        ) from None

    try:
        plan = plan_run(jobs, use_ray)
    except ConfigError as err:
        raise click.ClickException(str(err)) from None
    if plan.runner == "ray":
        try:
            import_ray(plan.ray_address)
        except RayUnavailableError as err:
            why = "--ray" if use_ray else f"the use_ray setting ({plan.runner_source})"
            raise click.UsageError(f"{why}: {err}") from None

    data, data_name = _load_ratings(ratings)
    users = _load_users(users_file, data) if users_file is not None else data.users.ids
    if mf_scorer is not None:
        scorer = mf_scorer
    else:
        feedback = "explicit" if data.ratings is not None else "implicit"
        scorer = _knn_scorer(model, feedback, knn_options)
    if model == "biased-mf" and data.ratings is None:
        raise click.UsageError(
            f"--model biased-mf needs ratings, but {data_name} has none; "
            "use --model implicit-mf for interaction-only data"
        )

    timings = _Timings()
    start = time.perf_counter()
    try:
        scorer.fit(data)
    except MemoryError as err:
        raise click.ClickException(_out_of_memory(model, err)) from None
    timings.fit = time.perf_counter() - start

    rows, unknown = _run(
        scorer, users=users, n=n, output=output, plan=plan, progress=progress, timings=timings
    )

    _summary(
        model=model,
        scorer=scorer,
        n=n,
        data=data,
        data_name=data_name,
        n_users=len(users),
        unknown=unknown,
        rows=rows,
        output=output,
        plan=plan,
        timings=timings,
        jobs_option=jobs is not None,
        ray_option=use_ray is not None,
    )


def _run(
    scorer: object,
    *,
    users: np.ndarray,
    n: int,
    output: Path,
    plan: RunPlan,
    progress: bool | None,
    timings: _Timings,
) -> tuple[int, list[str]]:
    """Recommend and write as results arrive; returns rows written and warnings to show."""
    from lenskit.batch import (
        BatchError,
        OutputError,
        ResultWriter,
        UnknownUsersWarning,
        recommend_iter,
    )

    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UnknownUsersWarning)
        try:
            with ResultWriter(output) as out:
                for chunk in recommend_iter(scorer, users, n, progress=progress, plan=plan):
                    out.write(chunk)
        except (BatchError, OutputError) as err:
            raise click.ClickException(f"{err}; {_left_as_it_was(output)}") from None
    timings.recommend = time.perf_counter() - start
    unknown = [str(w.message) for w in caught if issubclass(w.category, UnknownUsersWarning)]
    for w in caught:
        if not issubclass(w.category, UnknownUsersWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return out.rows, unknown


def _check_output(output: Path) -> None:
    """Refuse, before any work, an output that could not be written."""
    try:
        from lenskit.batch.writer import check_output
    except ImportError:
        return  # the command reports the missing lenskit-batch next
    try:
        check_output(output)
    except (ValueError, OSError) as err:
        raise click.BadParameter(str(err), param_hint="'-o' / '--output'") from None


def _left_as_it_was(output: Path) -> str:
    """What a run that did not finish did to *output*: nothing."""
    return f"{output} was left as it was" if output.exists() else f"{output} was not written"


def _load_ratings(path: Path | None) -> tuple[Interactions, str]:
    from lenskit.data import DataError, load_interactions, movielens_small

    if path is None:
        return movielens_small(), "bundled ml-latest-small"
    try:
        return load_interactions(path), str(path)
    except (FileNotFoundError, DataError, OSError) as err:
        raise click.BadParameter(_one_line(err), param_hint="'--ratings'") from None
    except MemoryError as err:
        raise click.ClickException(f"not enough memory to load {path}: {_one_line(err)}") from None


def _load_users(path: Path, data: Interactions) -> np.ndarray:
    """User ids from *path*, as the same kind of id (int or str) as the ratings use."""
    import numpy as np

    hint = "'--users'"
    if not path.exists():
        raise click.BadParameter(f"{path}: no such file", param_hint=hint)
    if not path.is_file():
        raise click.BadParameter(f"{path} is not a regular file", param_hint=hint)
    integer_ids = data.users.ids.dtype == np.int64
    if path.name.lower().endswith(TABLE_SUFFIXES):
        values, where = _user_column(path, hint)
    else:
        try:
            lines = path.read_text().splitlines()
        except (OSError, UnicodeDecodeError) as err:
            raise click.BadParameter(f"{path}: {_one_line(err)}", param_hint=hint) from None
        values = [line.strip() for line in lines]
        where = [f"line {i}" for i in range(1, len(lines) + 1)]
    ids: list[object] = []
    for value, place in zip(values, where, strict=True):
        text = str(value).strip()
        if not text:
            continue
        if integer_ids:
            try:
                number = int(text)
            except ValueError:
                raise click.BadParameter(
                    f"{path}, {place}: {text!r} is not an integer user id "
                    "(the ratings use integer user ids)",
                    param_hint=hint,
                ) from None
            if not INT64_MIN <= number <= INT64_MAX:
                raise click.BadParameter(
                    f"{path}, {place}: user id {text} does not fit in a 64-bit integer "
                    f"(ids run from {INT64_MIN} to {INT64_MAX})",
                    param_hint=hint,
                )
            ids.append(number)
        else:
            ids.append(text)
    if not ids:
        raise click.BadParameter(f"{path}: no user ids in the file", param_hint=hint)
    return np.array(ids, dtype=np.int64 if integer_ids else object)


def _user_column(path: Path, hint: str) -> tuple[list[object], list[str]]:
    import pandas as pd

    from lenskit.data import USER_COLUMNS

    name = path.name.lower()
    try:
        if name.endswith((".parquet", ".pq")):
            frame = pd.read_parquet(path)
            first_line = None
        else:
            frame = pd.read_csv(path, sep="\t" if name.endswith(".tsv") else ",", dtype=str)
            first_line = 2
    except Exception as err:
        raise click.BadParameter(f"{path}: {_one_line(err)}", param_hint=hint) from None
    column = next((c for c in USER_COLUMNS if c in frame.columns), None)
    if column is None and len(frame.columns) == 1:
        column = str(frame.columns[0])
    if column is None:
        allowed = ", ".join(USER_COLUMNS)
        raise click.BadParameter(
            f"{path}: no user column (expected one of {allowed}; found "
            f"{', '.join(map(str, frame.columns))})",
            param_hint=hint,
        )
    values: list[object] = ["" if pd.isna(v) else v for v in frame[column].tolist()]
    if first_line is None:
        where = [f"row {i}" for i in range(len(values))]
    else:
        where = [f"line {i + first_line}" for i in range(len(values))]
    return values, where


def _mf_scorer(model: str, **given: int | float | None) -> Any:
    """The matrix factorisation scorer asked for, its options checked; None for k-NN."""
    options = {name: value for name, value in given.items() if value is not None}
    if model not in MF_MODELS:
        if options:
            flag = _flag(next(iter(options)))
            raise click.UsageError(
                f"{flag} applies to --model {' or '.join(MF_MODELS)}, not {model}"
            )
        return None
    try:
        from lenskit.als import BiasedMFScorer, ImplicitMFScorer
    except ImportError:
        raise click.ClickException(_MISSING_MODELS) from None
    cls = BiasedMFScorer if model == "biased-mf" else ImplicitMFScorer
    try:
        return cls(**options)  # type: ignore[arg-type]
    except ValueError as err:
        raise _bad_model_option(err) from None


def _knn_options(model: str, **given: int | float | None) -> dict[str, Any]:
    """The k-NN parameters given as options, checked before any work ({} for other models)."""
    options = {name: value for name, value in given.items() if value is not None}
    applies = {"save_nbrs": ("item-knn",)}
    for name in options:
        models = applies.get(name, KNN_MODELS)
        if model not in models:
            raise click.UsageError(
                f"{_flag(name)} applies to --model {' or '.join(models)}, not {model}"
            )
    if model in KNN_MODELS:
        _knn_scorer(model, "explicit", options)  # the scorer checks the values
    return options


def _knn_scorer(model: str, feedback: str, options: dict[str, Any]) -> Any:
    try:
        from lenskit.knn import ItemKNNScorer, UserKNNScorer
    except ImportError:
        raise click.ClickException(_MISSING_MODELS) from None
    cls = UserKNNScorer if model == "user-knn" else ItemKNNScorer
    try:
        return cls(feedback=feedback, **options)  # type: ignore[arg-type]
    except ValueError as err:
        raise _bad_model_option(err) from None


def _bad_model_option(err: ValueError) -> click.BadParameter:
    """A scorer's "<Scorer>: <parameter> must be ..." as an error naming the option."""
    message = _one_line(err).split(": ", 1)[-1]
    return click.BadParameter(message, param_hint=f"'{_flag(message.split(' ', 1)[0])}'")


def _flag(parameter: str) -> str:
    """The option that sets a model parameter: ``k`` -> ``-k``, ``min_sim`` -> ``--min-sim``."""
    return "-k" if parameter == "k" else "--" + parameter.replace("_", "-")


_MISSING_MODELS = (
    "lenskit recommend needs the models of lenskit-rs, which are not installed "
    "(pip install lenskit-rs)"
)


def _summary(
    *,
    model: str,
    scorer: object,
    n: int,
    data: Interactions,
    data_name: str,
    n_users: int,
    unknown: list[str],
    rows: int,
    output: Path,
    plan: RunPlan,
    timings: _Timings,
    jobs_option: bool,
    ray_option: bool,
) -> None:
    rate = n_users / timings.recommend if timings.recommend > 0 else float("inf")
    lines = [
        (
            "data",
            f"{data.n_ratings:,} ratings by {data.n_users:,} users "
            f"of {data.n_items:,} items ({data_name})",
        ),
        (
            "model",
            f"{model}{_parameters(scorer)}, fitted in {timings.fit:.2f} s{_seed_note(scorer)}",
        ),
        (
            "recommend",
            f"{n} items for {n_users:,} users in {timings.recommend:.2f} s ({rate:,.0f} users/s)",
        ),
        ("output", f"{output} ({rows:,} rows)"),
        ("parallel", plan.describe()),
    ]
    width = max(len(label) for label, _ in lines)
    for label, text in lines:
        click.echo(f"{label.ljust(width)}  {text}")
    for name, value, source in _settings_rows(plan, jobs_option, ray_option):
        click.echo(f"{''.ljust(width)}    {name} = {value}  ({source})")
    click.echo(f"{'scoring'.ljust(width)}  {plan.describe_scoring()}")
    for message in unknown:
        click.echo(f"warning: {message}", err=True)


def _settings_rows(
    plan: RunPlan, jobs_option: bool, ray_option: bool
) -> list[tuple[str, str, str]]:
    settings = plan.settings
    names = ["num_cpus", "num_threads", "num_backend_threads", "num_batch_jobs", "use_ray"]
    if plan.runner == "ray":
        names.append("ray_address")
    rows = []
    for name in names:
        value = getattr(settings, name)
        if name == "num_batch_jobs":
            source = "option --jobs" if jobs_option else plan.jobs_source
        elif name == "use_ray":
            value = plan.runner == "ray"
            source = "option --ray" if ray_option else str(settings.source_of(name))
        elif name == "ray_address":
            value = plan.ray_address or "local cluster on 127.0.0.1"
            source = _ray_address_source(plan)
        else:
            source = str(settings.source_of(name))
        text = str(value).lower() if isinstance(value, bool) else str(value)
        rows.append((name, text, source))
    width = max(len(name) for name, _, _ in rows)
    vwidth = max(len(v) for _, v, _ in rows)
    return [(name.ljust(width), v.ljust(vwidth), source) for name, v, source in rows]


def _ray_address_source(plan: RunPlan) -> str:
    if plan.settings.ray_address:
        return str(plan.settings.source_of("ray_address"))
    if plan.ray_address:
        return "environment RAY_ADDRESS"
    return "default"


def _one_line(err: BaseException) -> str:
    text = str(err).strip() or type(err).__name__
    return " ".join(text.split())


def _out_of_memory(model: str, err: MemoryError) -> str:
    """One line for a fit that ran out of memory; item-kNN's model shrinks with two options."""
    if model == "item-knn":  # its message names the scorer and what to set
        return f"{_one_line(err)} (options --save-nbrs and --min-sim)"
    return f"{model}: not enough memory to fit: {_one_line(err)}"


def _parameters(scorer: object) -> str:
    """The k-NN parameters the options set, as the fitted scorer holds them."""
    names = [name for name in ("k", "save_nbrs", "min_sim") if hasattr(scorer, name)]
    shown = ", ".join(f"{name}={getattr(scorer, name)!r}" for name in names)
    return f" ({shown})" if shown else ""


def _seed_note(scorer: object) -> str:
    """For a model trained from random embeddings, the seed that repeats the fit."""
    seed = getattr(getattr(scorer, "model", None), "seed", None)
    return "" if seed is None else f" (seed {seed}; --seed {seed} repeats it)"
