"""LensKit interaction data: vocabularies, rating matrices, item lists and loaders.

Everything a recommender needs to know about its input and output data, kept
free of any compute dependency so every other LensKit package can use it.
"""

from .errors import DataError
from .frames import ITEM_COLUMNS, RATING_COLUMNS, USER_COLUMNS
from .interactions import DuplicatePolicy, Interactions, load_interactions, synthetic
from .items import ItemList
from .movielens import movielens_small, movielens_small_path
from .vocabulary import Vocabulary

__all__ = [
    "ITEM_COLUMNS",
    "RATING_COLUMNS",
    "USER_COLUMNS",
    "DataError",
    "DuplicatePolicy",
    "Interactions",
    "ItemList",
    "Vocabulary",
    "load_interactions",
    "movielens_small",
    "movielens_small_path",
    "synthetic",
]
