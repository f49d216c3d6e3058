"""A process that does nothing but follow every read model, as `skyledger serve`'s follower
thread does (projections/followers.py), with small batches so that a kill finds one in flight.

    python -m tests.integration.crash.follower BATCH_SIZE

The event store is $SKYLEDGER_DATABASE_URL. SIGTERM stops it cleanly (exit 0); the crash tests
SIGKILL it instead.
"""

from __future__ import annotations

import os
import signal
import sys
import threading

from adapters.notify import woken_by_notify
from adapters.persistence import Database
from domain.app import SkyLedger
from projections.followers import Followers
from projections.registry import all_projections
from projections.runner import runner_for

READY = "following every read model"


def main(batch_size: int) -> int:
    database = Database(os.environ["SKYLEDGER_DATABASE_URL"])
    app = SkyLedger(env=database.event_store_env())
    store = database.read_store()
    runners = [runner_for(app, store, p, batch_size=batch_size) for p in all_projections()]
    followers = woken_by_notify(Followers(runners, interval=0.05))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    followers.start()
    print(READY, flush=True)
    stop.wait()
    followers.stop()
    for error in followers.errors:  # a round that failed (the test reads them in the log)
        print(f"follower error: {error!r}", flush=True)
    store.close()
    app.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
