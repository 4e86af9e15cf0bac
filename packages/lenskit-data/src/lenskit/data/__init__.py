"""LensKit interaction data."""
