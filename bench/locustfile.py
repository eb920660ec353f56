"""Locust user for bench/api.py: GETs BENCH_PATH as fast as it can.

A `{id}` in BENCH_PATH is replaced by one of BENCH_IDS (comma-separated), at random.
"""

import os
import random

from locust import constant
from locust.contrib.fasthttp import FastHttpUser
from locust.user.task import task

PATH = os.environ["BENCH_PATH"]
IDS = [i for i in os.environ.get("BENCH_IDS", "").split(",") if i]
HEADERS = {"accept": "application/json"}


class Reader(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        path = PATH.replace("{id}", random.choice(IDS)) if IDS else PATH
        self.client.get(path, name=PATH, headers=HEADERS)
