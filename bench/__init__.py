"""Load benchmarks of the main pages against a trivial route, with their data generator."""
