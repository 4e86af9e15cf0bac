"""Batch inference over many users."""
