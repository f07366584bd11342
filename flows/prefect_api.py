"""Prefect's API for ``newsetl run`` and ``serve``: a running server, or a temporary one.

Without ``PREFECT_API_URL`` Prefect starts a temporary local server in the process. Its first start
in a new PREFECT_HOME creates and migrates a SQLite database, which takes about Prefect's own
start-up limit (20 s) on an idle 2-core machine and more on a busy one: a new user's first run
failed with a traceback. So newsetl gives it a generous limit, and if it still does not start, says
so in one line. Nothing here imports Prefect before it is called: ``sql`` and ``report`` never do.
"""

from __future__ import annotations

import os
import time

STARTUP_LIMIT_SETTING = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
# Generous: a server that starts sooner costs nothing more, and a first start on a machine whose
# cores are both busy takes minutes at worst, not hours. A user's own limit always wins.
STARTUP_LIMIT_SECONDS = 300
# Where ``prefect server start`` listens by default.
RUNNING_SERVER_URL = "http://127.0.0.1:4200/api"


class PrefectServerUnavailable(RuntimeError):
    """Prefect's temporary server did not start: the run cannot be orchestrated."""

    def __init__(self, limit_seconds: float, waited_seconds: float, cause: BaseException) -> None:
        reason = str(cause).split("\n", 1)[0][:300] or type(cause).__name__
        super().__init__(
            f"Prefect's temporary API server did not start: waited {waited_seconds:.0f} s "
            f"(limit {limit_seconds:g} s, {STARTUP_LIMIT_SETTING}); Prefect said: {reason} "
            f"A busy machine may need longer: run again with a higher {STARTUP_LIMIT_SETTING}, "
            "or start a server once (`prefect server start`) and point runs at it with "
            f"PREFECT_API_URL={RUNNING_SERVER_URL}"
        )
        self.limit_seconds = limit_seconds
        self.waited_seconds = waited_seconds


def configure_prefect() -> float:
    """Settle Prefect's settings for a run; returns the temporary server's start-up limit in force.

    Call before anything else of Prefect: usage pings are turned off (this machine may have no
    route out; they would only log errors), and the start-up limit becomes
    ``STARTUP_LIMIT_SECONDS`` unless the user set one in the environment, a Prefect profile or a
    ``prefect.toml``. The limit is set in the environment, so that served flow runs (child
    processes, which start their own temporary server) inherit it too.
    """
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from prefect.settings import get_current_settings

    ephemeral = get_current_settings().server.ephemeral
    if "startup_timeout_seconds" not in ephemeral.model_fields_set:
        os.environ[STARTUP_LIMIT_SETTING] = str(STARTUP_LIMIT_SECONDS)
        # Prefect read its settings when it was imported (which the check above needed); this is
        # how it takes in variables set after that (its plugins' hook does the same).
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()
    return float(get_current_settings().server.ephemeral.startup_timeout_seconds)


def start_prefect_api() -> None:
    """Start Prefect's temporary server now, unless PREFECT_API_URL names a running one.

    Prefect would start it at the flow's first call anyway; starting it here turns a failure into
    one message instead of a traceback from deep inside the flow engine.

    Raises:
        PrefectServerUnavailable: The server did not answer within the start-up limit.
    """
    limit = configure_prefect()
    from prefect.settings import get_current_settings

    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        return  # a running server, or no temporary one allowed: Prefect's client reports that
    from prefect.server.api.server import SubprocessASGIServer

    # One instance per process: Prefect's client finds this one running and uses it.
    server = SubprocessASGIServer()
    started = time.monotonic()
    try:
        server.start()
    except Exception as error:
        server.stop()
        raise PrefectServerUnavailable(limit, time.monotonic() - started, error) from error
