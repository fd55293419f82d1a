"""Benchmarks of sitegen builds: a site generator and the measuring script."""
