"""dbt's own command line, in a process that spends less of its time collecting garbage.

dagster-dbt starts dbt as its resource's executable; banking_dw/dbt/resources.py names this one,
installed beside `dbt` as `banking-dw-dbt`. The command is dbt's: the entry point of the `dbt`
console script, with the same arguments. Two things differ, both about Python's garbage collector:

- What dbt imported is frozen (`gc.freeze`) before dbt starts. Those objects live as long as the
  process, yet each collection of the oldest generation walked them again: eight of them in a 1M
  day's build took 0.87-0.90 s with the GIL held, 0.68 s once the imports were frozen
  (docs/benchmarks.md).
- Everything is frozen at exit, so the interpreter's last collection walks nothing
  (banking_dw/process_exit.py): 0.6 s between dbt's last line and its exit, which the dbt step
  waits for.
"""

import gc
import sys
from importlib.metadata import entry_points

from banking_dw.process_exit import skip_the_last_collection


def main() -> None:
    [dbt] = entry_points(group="console_scripts", name="dbt")
    command = dbt.load()
    gc.freeze()
    skip_the_last_collection()
    sys.exit(command())
