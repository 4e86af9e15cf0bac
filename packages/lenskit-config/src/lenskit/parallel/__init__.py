"""Parallelism control: CPU counting and thread-pool initialisation."""
