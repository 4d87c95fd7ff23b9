"""moto's S3 and Glue as a real HTTP endpoint on 127.0.0.1, for the aws target's tests.

A server (rather than moto's in-process mock) exercises the code exactly as on AWS: boto3 finds
it through AWS_ENDPOINT_URL, the standard variable, and nothing in banking_dw knows it is moto.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator

import pytest
from moto.server import ThreadedMotoServer


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    # Port 0: the OS picks a free port, so parallel sessions never collide.
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def set_crawl_progression(endpoint: str, transition: dict[str, object]) -> None:
    """How moto's crawls progress: {"progression": "immediate"} completes a crawl as soon as it is
    started; {"progression": "manual", "times": N} advances it only after N list_crawls calls,
    so a crawler polled with get_crawler stays RUNNING (moto's default is manual, times 1)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/state-manager/set-transition",
        data=json.dumps({"model_name": "glue::crawl", "transition": transition}).encode(),
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        if response.status != 201:
            raise RuntimeError(f"moto refused the glue::crawl transition {transition}: HTTP {response.status}")
