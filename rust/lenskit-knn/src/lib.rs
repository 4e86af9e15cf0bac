//! k-NN recommender kernels for LensKit, independent of Python.
