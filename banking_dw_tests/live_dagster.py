"""A live Dagster (webserver + daemon) driven over GraphQL, as a user drives it from the UI.

Tests that need the paths users take (UI backfills, crashed runs) use these helpers instead of
in-process execution: the backfill daemon decides how many runs a backfill makes, and only a real
process can be killed mid-step.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
import pytest
import yaml

from banking_dw import settings

from .support import TEST_SEED, TEST_TRANSACTIONS_PER_DAY

VENV_BIN = Path(sys.executable).parent
CODE_LOCATION_MODULE = "banking_dw.definitions"
# What the run monitor needs to notice a dead run worker within seconds instead of minutes.
RUN_MONITORING = {"enabled": True, "poll_interval_seconds": 5}
BACKFILL_TERMINAL_STATUSES = frozenset({"COMPLETED", "COMPLETED_SUCCESS", "COMPLETED_FAILED", "FAILED", "CANCELED"})
RUN_TERMINAL_STATUSES = frozenset({"SUCCESS", "FAILURE", "CANCELED"})
STARTUP_TIMEOUT_SECONDS = 240.0


class GraphQLError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_instance_yaml(dagster_home: Path, extra: Mapping[str, Any] | None = None) -> Path:
    """The repository's deploy/dagster.yaml (what `make dev` and `make run` use) plus test settings."""
    dagster_home.mkdir(parents=True, exist_ok=True)
    deployed = settings.repository_root() / "deploy" / "dagster.yaml"
    config = (yaml.safe_load(deployed.read_text()) or {}) if deployed.exists() else {}
    config.update(extra or {})
    target = dagster_home / "dagster.yaml"
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


@contextmanager
def open_instance(dagster_home: Path) -> Iterator[dg.DagsterInstance]:
    """The instance a user's shell opens: deploy/dagster.yaml places storage under $DAGSTER_HOME."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DAGSTER_HOME", str(dagster_home))
        instance = dg.DagsterInstance.from_config(str(dagster_home))
    with instance:
        yield instance


def initialise_storage(dagster_home: Path) -> None:
    """Create the instance's storage once, before two processes would race to migrate it."""
    with open_instance(dagster_home):
        pass


def user_environment(dagster_home: Path, data_dir: Path) -> dict[str, str]:
    """The process environment of a user's shell in the activated venv, at the test scale."""
    env = {k: v for k, v in os.environ.items() if k != "BANKING_DW_TARGET"}
    env.update(
        PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}",
        DAGSTER_HOME=str(dagster_home),
        BANKING_DW_DATA_DIR=str(data_dir),
        BANKING_DW_TRANSACTIONS_PER_DAY=str(TEST_TRANSACTIONS_PER_DAY),
        BANKING_DW_SEED=str(TEST_SEED),
    )
    return env


def start_process(command: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path) -> subprocess.Popen:
    """A child in its own process group, so teardown reaches everything it spawned."""
    with log.open("ab") as handle:
        return subprocess.Popen(
            list(command), env=dict(env), cwd=cwd, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def descendants(pid: int) -> set[int]:
    """Every process below pid (run workers may start their own sessions and escape the group)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    pending = [pid]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


def stop_process(process: subprocess.Popen, grace_seconds: float = 10.0) -> None:
    """SIGTERM the process group, then SIGKILL whatever of its tree is left."""
    if process.poll() is not None:
        return
    tree = descendants(process.pid)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace_seconds)
    for pid in [process.pid, *tree]:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    process.wait(timeout=grace_seconds)


def gold_digest(data_dir: Path, schema: str = "dev_gold") -> dict[str, tuple[int, str]]:
    """table -> (row count, sha256 of its rows in a stable order), for every published table in the
    schema: not a failed build's next versions (`<model>__next`) and window rows (`<model>__window`),
    which wait beside them for a build that passes to publish them
    (dbt_project/macros/publish/candidates.sql).

    Read-only, so it can be read while a live Dagster idles between runs.
    """
    digests = {}
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as connection:
        tables = connection.execute(
            "select table_name from information_schema.tables where table_schema = ?"
            " and not suffix(table_name, '__next') and not suffix(table_name, '__window') order by 1",
            [schema],
        ).fetchall()
        for (table,) in tables:
            frame = connection.execute(f'select * from "{schema}"."{table}"').df()
            frame = frame.sort_values(list(frame.columns)).reset_index(drop=True)
            digests[table] = (len(frame), hashlib.sha256(frame.to_csv(index=False).encode()).hexdigest())
    return digests


def log_tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


@dataclass(frozen=True)
class AssetNode:
    path: tuple[str, ...]
    group: str
    partitioned: bool
    # (code location, repository) and the asset's jobs and checks: what the UI's launch button sends
    repository: tuple[str, str]
    jobs: tuple[str, ...]
    checks: tuple[str, ...]

    def key_input(self) -> dict[str, list[str]]:
        return {"path": list(self.path)}


@dataclass(frozen=True)
class LaunchedRun:
    run_id: str
    status: str
    asset_paths: tuple[tuple[str, ...], ...]
    start_time: float | None
    end_time: float | None


class GraphQLClient:
    """The webserver's /graphql endpoint through urllib, as the UI's Apollo client posts to it."""

    def __init__(self, url: str) -> None:
        self.url = url

    def execute(self, query: str, variables: Mapping[str, Any] | None = None, timeout: float = 60.0) -> dict[str, Any]:
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        request = urllib.request.Request(self.url, data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read())
        if payload.get("errors"):
            raise GraphQLError(json.dumps(payload["errors"], indent=1)[:4000])
        return payload["data"]

    def location_load_statuses(self) -> dict[str, tuple[str, str | None]]:
        """Code location name -> (loadStatus, load error message or None)."""
        data = self.execute(WORKSPACE_QUERY)["workspaceOrError"]
        if data["__typename"] != "Workspace":
            raise GraphQLError(data.get("message", data["__typename"]))
        statuses = {}
        for entry in data["locationEntries"]:
            loaded = entry["locationOrLoadError"] or {}
            error = loaded.get("message") if loaded.get("__typename") == "PythonError" else None
            statuses[entry["name"]] = (entry["loadStatus"], error)
        return statuses

    def unhealthy_daemons(self, required: Sequence[str]) -> list[str]:
        statuses = self.execute(DAEMON_HEALTH_QUERY)["instance"]["daemonHealth"]["allDaemonStatuses"]
        healthy = {s["daemonType"] for s in statuses if s["healthy"]}
        return [d for d in required if d not in healthy]

    def asset_nodes(self) -> list[AssetNode]:
        """Every asset a user can materialise, as the asset graph's "Materialize all" selects them."""
        nodes = self.execute(ASSET_NODES_QUERY)["assetNodes"]
        return [
            AssetNode(
                path=tuple(n["assetKey"]["path"]),
                group=n["groupName"],
                partitioned=n["isPartitioned"],
                repository=(n["repository"]["location"]["name"], n["repository"]["name"]),
                jobs=tuple(n["jobNames"]),
                checks=tuple(c["name"] for c in n["assetChecksOrError"].get("checks", [])),
            )
            for n in nodes
            if n["isMaterializable"]
        ]

    def launch_run(self, assets: Sequence[AssetNode], partition: str) -> str:
        """The mutation the UI's "Materialize" sends for one partition: one run of the asset job
        with the assets and their checks, tagged with the partition; returns the run id."""
        ((location, repository),) = {a.repository for a in assets}
        (job, *_) = sorted(set.intersection(*(set(a.jobs) for a in assets)))
        params = {
            "mode": "default",
            "runConfigData": {},
            "selector": {
                "repositoryLocationName": location,
                "repositoryName": repository,
                "pipelineName": job,
                "assetSelection": [a.key_input() for a in assets],
                "assetCheckSelection": [{"assetKey": a.key_input(), "name": c} for a in assets for c in a.checks],
            },
            "executionMetadata": {
                "tags": [{"key": "dagster/partition", "value": partition}, {"key": "dagster/from_ui", "value": "true"}]
            },
        }
        result = self.execute(LAUNCH_RUN_MUTATION, {"executionParams": params})["launchPipelineExecution"]
        if result["__typename"] != "LaunchRunSuccess":
            raise GraphQLError(f"run not launched: {json.dumps(result)[:4000]}")
        return result["run"]["runId"]

    def wait_for_run(self, run_id: str, timeout_seconds: float, poll_seconds: float = 2.0) -> LaunchedRun:
        """The run once it has finished."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            run = self.execute(RUN_QUERY, {"runId": run_id})["runOrError"]
            if run["__typename"] != "Run":
                raise GraphQLError(json.dumps(run)[:4000])
            if run["status"] in RUN_TERMINAL_STATUSES:
                return _launched_run(run)
            time.sleep(poll_seconds)
        raise TimeoutError(f"run {run_id} did not finish within {timeout_seconds}s")

    def launch_partition_backfill(self, assets: Sequence[AssetNode], partition_names: Sequence[str]) -> str:
        """The mutation LaunchAssetChoosePartitionsDialog sends for a range over assets of the asset job."""
        params = {
            "tags": [{"key": "dagster/from_ui", "value": "true"}],
            "assetSelection": [a.key_input() for a in assets],
            "partitionNames": list(partition_names),
            "fromFailure": False,
        }
        result = self.execute(LAUNCH_BACKFILL_MUTATION, {"backfillParams": params})["launchPartitionBackfill"]
        if result["__typename"] != "LaunchBackfillSuccess":
            raise GraphQLError(f"backfill not launched: {json.dumps(result)[:4000]}")
        return result["backfillId"]

    def backfill_status(self, backfill_id: str) -> tuple[str, str | None]:
        result = self.execute(BACKFILL_QUERY, {"backfillId": backfill_id})["partitionBackfillOrError"]
        if result["__typename"] != "PartitionBackfill":
            raise GraphQLError(f"backfill {backfill_id}: {json.dumps(result)[:4000]}")
        return result["status"], (result.get("error") or {}).get("message")

    def wait_for_backfill(self, backfill_id: str, timeout_seconds: float, poll_seconds: float = 3.0) -> str:
        """The backfill's terminal status; raises TimeoutError naming the runs so far if it never ends."""
        deadline = time.monotonic() + timeout_seconds
        while True:
            status, error = self.backfill_status(backfill_id)
            if status in BACKFILL_TERMINAL_STATUSES:
                return status
            if time.monotonic() > deadline:
                runs = [(r.run_id, r.status) for r in self.backfill_runs(backfill_id)]
                raise TimeoutError(
                    f"backfill {backfill_id} still {status} after {timeout_seconds}s; runs {runs}; {error}"
                )
            time.sleep(poll_seconds)

    def wait_for_backfill_run(self, backfill_id: str, timeout_seconds: float, poll_seconds: float = 2.0) -> LaunchedRun:
        """The backfill's one run, once it has finished; the backfill itself is marked complete on
        the daemon's next tick (up to 30 s later), which a test of the run alone need not wait for."""
        deadline = time.monotonic() + timeout_seconds
        while time.monotonic() < deadline:
            runs = self.backfill_runs(backfill_id)
            if len(runs) == 1 and runs[0].status in RUN_TERMINAL_STATUSES:
                return runs[0]
            if len(runs) > 1:
                raise AssertionError(f"backfill {backfill_id} made {len(runs)} runs, not one: {runs}")
            time.sleep(poll_seconds)
        raise TimeoutError(f"backfill {backfill_id}'s run did not finish within {timeout_seconds}s")

    def backfill_runs(self, backfill_id: str) -> list[LaunchedRun]:
        variables = {"filter": {"tags": [{"key": "dagster/backfill", "value": backfill_id}]}}
        result = self.execute(RUNS_QUERY, variables)["runsOrError"]
        if result["__typename"] != "Runs":
            raise GraphQLError(json.dumps(result)[:4000])
        return [_launched_run(r) for r in result["results"]]

    def run_events(self, run_id: str) -> list[dict[str, Any]]:
        """Every event of a run, paged as the run page pages them."""
        events: list[dict[str, Any]] = []
        cursor = None
        while True:
            run = self.execute(RUN_EVENTS_QUERY, {"runId": run_id, "cursor": cursor})["runOrError"]
            if run["__typename"] != "Run":
                raise GraphQLError(json.dumps(run)[:4000])
            connection = run["eventConnection"]
            events.extend(connection["events"])
            cursor = connection["cursor"]
            if not connection["hasMore"]:
                return events

    def failed_checks(self, run_id: str) -> dict[str, str]:
        """`asset:check` -> description of every check evaluation of the run that did not pass."""
        return {
            f"{'/'.join(e['evaluation']['assetKey']['path'])}:{e['evaluation']['checkName']}": e["evaluation"][
                "description"
            ]
            or ""
            for e in self.run_events(run_id)
            if e["__typename"] == "AssetCheckEvaluationEvent" and not e["evaluation"]["success"]
        }

    def failures(self, run_id: str) -> list[str]:
        """The step and run failure messages of a run, for assertion messages."""
        messages = []
        for e in self.run_events(run_id):
            if e["__typename"] == "ExecutionStepFailureEvent":
                messages.append(f"{e['stepKey']}: {(e.get('error') or {}).get('message', e['message'])}")
            elif e["__typename"] == "RunFailureEvent":
                messages.append(f"run: {e['message']}")
        return messages


def _launched_run(run: Mapping[str, Any]) -> LaunchedRun:
    return LaunchedRun(
        run_id=run["runId"],
        status=run["status"],
        asset_paths=tuple(tuple(a["path"]) for a in run["assetSelection"] or []),
        start_time=run["startTime"],
        end_time=run["endTime"],
    )


@dataclass(frozen=True)
class LiveDagster:
    client: GraphQLClient
    dagster_home: Path
    data_dir: Path
    logs: tuple[Path, ...]

    def logs_tail(self) -> str:
        return "\n".join(f"--- {log.name}\n{log_tail(log)}" for log in self.logs)


def _wait_until_ready(client: GraphQLClient, processes: Sequence[subprocess.Popen], logs: Sequence[Path]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    last = "no answer"
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=False):
            if process.poll() is not None:
                raise RuntimeError(f"{log.name} exited with {process.returncode}:\n{log_tail(log)}")
        try:
            locations = client.location_load_statuses()
            errors = {name: error for name, (_, error) in locations.items() if error}
            if errors:
                raise RuntimeError(f"code location failed to load: {errors}")
            missing = client.unhealthy_daemons(["BACKFILL", "QUEUED_RUN_COORDINATOR"])
            if locations and all(status == "LOADED" for status, _ in locations.values()) and not missing:
                return
            last = f"locations {locations}, daemons not yet healthy: {missing}"
        except (urllib.error.URLError, ConnectionError, OSError, GraphQLError) as error:
            last = str(error)
        time.sleep(1.0)
    raise TimeoutError(f"Dagster not ready after {STARTUP_TIMEOUT_SECONDS}s: {last}")


@contextmanager
def live_dagster(workdir: Path) -> Iterator[LiveDagster]:
    """`dagster-webserver` and `dagster-daemon` on a free loopback port, with a fresh DAGSTER_HOME and data dir.

    Both run from the venv's bin in their own process groups, log to files under workdir and are
    always stopped on exit.
    """
    dagster_home, data_dir = workdir / "dagster_home", workdir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    write_instance_yaml(dagster_home, {"run_monitoring": RUN_MONITORING})
    initialise_storage(dagster_home)
    env = user_environment(dagster_home, data_dir)
    port = free_port()
    commands = {
        "webserver.log": [
            str(VENV_BIN / "dagster-webserver"),
            "-m",
            CODE_LOCATION_MODULE,
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
        ],
        "daemon.log": [str(VENV_BIN / "dagster-daemon"), "run", "-m", CODE_LOCATION_MODULE],
    }
    logs = tuple(workdir / name for name in commands)
    processes: list[subprocess.Popen] = []
    try:
        for log, command in zip(logs, commands.values(), strict=False):
            processes.append(start_process(command, env, log, settings.repository_root()))
        client = GraphQLClient(f"http://127.0.0.1:{port}/graphql")
        _wait_until_ready(client, processes, logs)
        yield LiveDagster(client, dagster_home, data_dir, logs)
    finally:
        for process in reversed(processes):
            stop_process(process)


WORKSPACE_QUERY = """
query Workspace {
  workspaceOrError {
    __typename
    ... on Workspace {
      locationEntries { name loadStatus locationOrLoadError { __typename ... on PythonError { message } } }
    }
    ... on PythonError { message }
  }
}
"""

DAEMON_HEALTH_QUERY = """
query DaemonHealth {
  instance { daemonHealth { allDaemonStatuses { daemonType healthy } } }
}
"""

ASSET_NODES_QUERY = """
query AssetNodes {
  assetNodes {
    assetKey { path }
    groupName
    isPartitioned
    isMaterializable
    jobNames
    repository { name location { name } }
    assetChecksOrError { __typename ... on AssetChecks { checks { name } } }
  }
}
"""

LAUNCH_BACKFILL_MUTATION = """
mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId launchedRunIds }
    ... on Error { message }
    ... on PythonError { stack }
  }
}
"""

BACKFILL_QUERY = """
query Backfill($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill { id status error { message } }
    ... on Error { message }
  }
}
"""

LAUNCH_RUN_MUTATION = """
mutation LaunchPipelineExecution($executionParams: ExecutionParams!) {
  launchPipelineExecution(executionParams: $executionParams) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on Error { message }
    ... on PythonError { stack }
  }
}
"""

RUN_FIELDS = "runId status startTime endTime assetSelection { path }"

RUNS_QUERY = f"""
query BackfillRuns($filter: RunsFilter!) {{
  runsOrError(filter: $filter) {{
    __typename
    ... on Runs {{ results {{ {RUN_FIELDS} }} }}
    ... on Error {{ message }}
  }}
}}
"""

RUN_QUERY = f"""
query Run($runId: ID!) {{
  runOrError(runId: $runId) {{
    __typename
    ... on Run {{ {RUN_FIELDS} }}
    ... on Error {{ message }}
  }}
}}
"""

RUN_EVENTS_QUERY = """
query RunEvents($runId: ID!, $cursor: String) {
  runOrError(runId: $runId) {
    __typename
    ... on Run {
      eventConnection(afterCursor: $cursor) {
        cursor
        hasMore
        events {
          __typename
          ... on MessageEvent { message }
          ... on StepEvent { stepKey }
          ... on ExecutionStepFailureEvent { error { message } }
          ... on AssetCheckEvaluationEvent {
            evaluation { success checkName description assetKey { path } }
          }
        }
      }
    }
    ... on Error { message }
  }
}
"""
