"""A process that loads the code location ends without Python's last garbage collection.

When a Python process ends, the interpreter collects garbage once more before it unloads the
modules: it walks every object that Dagster, dbt's libraries and the run left in memory, only to
free memory the operating system takes back with the process anyway. After a 1M-transaction day
that walk is over a second of `dagster asset materialize` after the run has finished
(docs/benchmarks.md). Frozen objects (`gc.freeze`) are skipped by every collection, so freezing
them all at exit skips that walk; Instagram's servers skip the same walk at exit.

Nothing is lost: the atexit handlers still run, objects not kept alive by a reference cycle are
still freed as the modules unload, and every file and connection the code opens is closed by the
code that opened it, before the process ends.
"""

import atexit
import functools
import gc


@functools.cache
def skip_the_last_collection() -> None:
    """Freeze every object at exit, once per process however often the definitions load."""
    atexit.register(gc.freeze)
