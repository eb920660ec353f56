"""`python -m bench.alone` < {"urls", "title", "body"}: the baseline, Apprise alone.

A process of its own that imports nothing else, so neither Django nor the driver's state
weighs on it. Prints {"started": wall-clock start, "cpu": CPU seconds of the sends}.
"""

import json
import sys
import time

import apprise


def main() -> None:
    request = json.load(sys.stdin)
    urls = request["urls"]
    apprise.Apprise.instantiate(urls[0])  # load the plugin now, as a running service has
    cpu = time.process_time()
    started = time.time()
    sender = apprise.Apprise()
    sender.add(urls)
    if not sender.notify(body=request["body"], title=request["title"]):
        sys.exit("Apprise alone did not deliver every notification")
    json.dump({"started": started, "cpu": time.process_time() - cpu}, sys.stdout)


if __name__ == "__main__":
    main()
