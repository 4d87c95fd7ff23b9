"""`python -m banking_dw.erase <customer_id>`: erase a customer's personal data from every layer.

Runs the `erase_customer` job (banking_dw/erasure/job.py) in this process against the instance in
DAGSTER_HOME, so `make dev` shows the run, and prints what each layer changed (counts only, never a
value). A mistake (an id that is not one, a customer no file has, a missing DAGSTER_HOME) is
answered in one line; the full log goes to a file under DAGSTER_HOME.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

from banking_dw import settings
from banking_dw.erasure.job import ERASURE_JOB, ERASURE_OP, customer_id_from
from banking_dw.run import QUIET_LOGGING, OperatorError, logged_run, root_cause

# What the command prints of the job's metadata, layer by layer.
LAYERS = (
    ("raw files", ("raw_files", "raw_rows"), "file(s), {} row(s)"),
    (
        "lake",
        ("lake_objects", "lake_rows", "lake_manifests", "lake_old_versions_deleted"),
        "object(s), {} row(s), {} manifest(s), {} replaced version(s) deleted",
    ),
    ("leftovers", ("unfinished_writes_deleted",), "file(s) of killed writes deleted"),
    (
        "silver",
        ("silver_rows", "quarantine_rows", "validated_rows", "free_text_silver_rows", "free_text_quarantine_rows"),
        "run row(s), {} quarantined row(s), {} verdict row(s); free text: {} row(s), {} quarantined",
    ),
    (
        "gold",
        ("gold_restricted_rows", "gold_rows", "free_text_gold_rows"),
        "restricted row(s), {} analysts' row(s); free text: {} row(s)",
    ),
)


def _summary(metadata: dict[str, object]) -> list[str]:
    lines = []
    for layer, names, shape in LAYERS:
        values = [metadata.get(name, 0) for name in names]
        lines.append(f"  {layer:<10} {values[0]} {shape.format(*values[1:])}")
    lines.append(f"  {'files':<10} {metadata.get('warehouse_files', 'unknown')}")
    times = (
        metadata.get(name, 0) for name in ("seconds_files", "seconds_warehouse_update", "seconds_warehouse_rewrite")
    )
    lines.append(f"  {'time':<10} files {{}} s, warehouse update {{}} s, warehouse rewrite {{}} s".format(*times))
    return lines


def erase(customer: str, out: TextIO = sys.stdout) -> int:
    from banking_dw.definitions import defs

    try:
        customer_id = customer_id_from(customer)
    except ValueError as error:
        raise OperatorError(str(error)) from None
    started = time.monotonic()
    with logged_run("erase") as (instance, run_id, log_path, log):
        job = defs().resolve_job_def(ERASURE_JOB)
        result = job.execute_in_process(
            run_config={**QUIET_LOGGING, "ops": {ERASURE_OP: {"config": {"customer_id": customer_id}}}},
            instance=instance,
            run_id=run_id,
            raise_on_error=False,
        )
        for record in instance.all_logs(run_id):
            log.write(f"{record.step_key or '-':<24} {record.user_message or record.message}\n")
    seconds = time.monotonic() - started
    if not result.success:
        failures = [e.step_failure_data.error for e in result.all_events if e.is_step_failure]
        cause = next((root_cause(error) for error in failures if error is not None), None) or "the run failed"
        raise OperatorError(f"customer {customer_id} was not erased: {cause.splitlines()[0]} (full log: {log_path})")
    [output] = [e for e in result.all_events if e.is_successful_output and e.step_key == ERASURE_OP]
    metadata = {name: getattr(value, "value", value) for name, value in output.step_output_data.metadata.items()}
    out.write(f"banking-dw: customer {customer_id} erased in {seconds:.1f} s, run {run_id[:8]}\n")
    out.write("\n".join(_summary(metadata)) + "\n")
    out.write(f"Full log: {log_path}\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m banking_dw.erase", description=__doc__.splitlines()[0])
    parser.add_argument("customer_id", help="the customer_id of the customer to erase")
    arguments = parser.parse_args(argv)
    settings.private_by_default()
    try:
        return erase(arguments.customer_id)
    except (OperatorError, settings.SettingError) as error:
        print(f"banking-dw: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
