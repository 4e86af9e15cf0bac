"""Ray for LensKit work: start or attach to a cluster, size its workers, bound tasks in flight.

The names and behaviour are LensKit's (`ray_available`, `ray_active`,
`is_ray_worker`, `init_cluster`, `ensure_cluster`, `init_worker`,
`TaskLimiter`), with this project's rules added: a cluster we start listens
on 127.0.0.1 only, with no dashboard; a cluster we attach to is never
stopped by us; an unreachable, refusing or lost cluster is one line naming
the address and the cause, within seconds, never an endless retry.

Importing this module does not import Ray (it takes seconds, and is an
optional extra: ``pip install 'lenskit-config[ray]'``); the functions do,
when they need it.  It does set the switches Ray reads on its first import
(loopback binding, no usage reporting), unless Ray is already imported or
the user set them; see `import_ray`.
"""

from lenskit.parallel.ray._address import LOCAL_HOST
from lenskit.parallel.ray._cluster import (
    RayCluster,
    current_cluster,
    ensure_cluster,
    init_cluster,
    init_worker,
)
from lenskit.parallel.ray._connect import ATTACH_TIMEOUT
from lenskit.parallel.ray._errors import RayClusterError, RayUnavailableError
from lenskit.parallel.ray._limiter import TaskLimiter
from lenskit.parallel.ray._module import (
    import_ray,
    is_ray_worker,
    prepare_for_environment_address,
    ray_active,
    ray_available,
)

prepare_for_environment_address()

__all__ = [
    "ATTACH_TIMEOUT",
    "LOCAL_HOST",
    "RayCluster",
    "RayClusterError",
    "RayUnavailableError",
    "TaskLimiter",
    "current_cluster",
    "ensure_cluster",
    "import_ray",
    "init_cluster",
    "init_worker",
    "is_ray_worker",
    "ray_active",
    "ray_available",
]
