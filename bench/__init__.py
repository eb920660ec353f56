"""Benchmarks (`make bench`): each prints its figures, a ratio against a baseline measured in
the same run, and one final line a script can read. Not part of `make test`."""
