"""The Python half every lenskit-rs scorer shares (private to lenskit-rs).

`AccelScorer` is the base of the k-NN and matrix factorisation scorers;
`params` checks constructor arguments; `training` holds the fitted
arrays' common part. See `lenskit.knn` and `lenskit.als` for the public
scorers.
"""

from .base import AccelScorer, IndexArray, RankedArrays, RecommendArrays, ensure_pools, id_array
from .training import RatingArrays, TrainingData, frozen

__all__ = [
    "AccelScorer",
    "IndexArray",
    "RankedArrays",
    "RatingArrays",
    "RecommendArrays",
    "TrainingData",
    "ensure_pools",
    "frozen",
    "id_array",
]
