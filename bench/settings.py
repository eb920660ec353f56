"""Soonish's settings plus the benchmarks' baseline views (bench/urls.py).

Selected only by the benchmarks (DJANGO_SETTINGS_MODULE=bench.settings); the bench package is
not installed with Soonish, so production cannot reach the baseline.
"""

from soonish.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
