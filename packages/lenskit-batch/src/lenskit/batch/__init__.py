"""Batch inference: recommend or predict for many users, sequentially, on threads or on Ray.

Models follow the protocol of `lenskit.batch.protocol` (`Recommender`,
`BatchRecommender`, ... and `check_model`). The runner comes from the
parallel settings (``num_batch_jobs``, ``use_ray``, ``ray_address``) unless
the call overrides it, and every runner gives identical results in input
order.
"""

from lenskit.batch.api import (
    default_chunk_size,
    predict,
    predict_iter,
    recommend,
    recommend_iter,
)
from lenskit.batch.errors import (
    BatchError,
    OutputError,
    RayUnavailableError,
    UnknownUsersWarning,
    UserScoringError,
)
from lenskit.batch.plan import RunPlan, plan_run
from lenskit.batch.protocol import (
    ArrayRecommender,
    BatchPredictor,
    BatchRecommender,
    ItemListLike,
    ModelProtocolError,
    Predictor,
    Recommender,
    check_model,
)
from lenskit.batch.results import BatchResults
from lenskit.batch.runners.ray_cluster import RayCluster, ray_cluster
from lenskit.batch.writer import ResultWriter

__all__ = [
    "ArrayRecommender",
    "BatchError",
    "BatchPredictor",
    "BatchRecommender",
    "BatchResults",
    "ItemListLike",
    "ModelProtocolError",
    "OutputError",
    "Predictor",
    "RayCluster",
    "RayUnavailableError",
    "Recommender",
    "ResultWriter",
    "RunPlan",
    "UnknownUsersWarning",
    "UserScoringError",
    "check_model",
    "default_chunk_size",
    "plan_run",
    "predict",
    "predict_iter",
    "ray_cluster",
    "recommend",
    "recommend_iter",
]
