"""Torch-free contracts, one module per course section: its events, job configs, limits, defaults and parsers.

Both the engine (which computes) and the screens (which draw) import these, so nothing is copied or
matched by name. A job is a frozen, picklable config naming its compute function; the engine
process runs it and streams the events back (see engine.jobs).
"""
