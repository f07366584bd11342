"""A Prefect API server of one's own, as the benchmarks and the tests start one: a free port to
give it, and waiting until it answers. Kept free of heavy imports: pytest's controller uses it."""

from __future__ import annotations

import socket
import subprocess
import time
import urllib.request


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_api(
    url: str, limit_seconds: float, server: subprocess.Popen[bytes] | None = None
) -> None:
    """Return once the Prefect API at ``url`` answers its health check.

    Raises:
        RuntimeError: It did not within ``limit_seconds``, or ``server`` (its process) ended.
    """
    deadline = time.monotonic() + limit_seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass
        if (server is not None and server.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"the Prefect API at {url} did not answer within {limit_seconds} s")
        time.sleep(0.2)
