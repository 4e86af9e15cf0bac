"""LensKit configuration: settings from defaults, files and the environment."""
