"""k-nearest-neighbour recommenders backed by Rust kernels."""
