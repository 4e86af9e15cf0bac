"""The side-by-side benchmark of lenskit-parallel against its peer toolkits.

``benchmarks/compare_peers.py`` is the command; this package holds its parts:
the plan (data sets, tasks, systems), the data files, the per-measurement
subprocess runner, the analysis, the report and the plots. The per-system
workers in ``workers/`` run inside each system's own environment.
"""
