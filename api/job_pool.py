"""The process pool plan jobs run in: restarted when it breaks, and able to say when it cannot run jobs."""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from api.errors import UnavailableError
from api.jobs import run_plan_job

log = logging.getLogger("backhaul.api")


class JobPool:
    """One job process (spawned): a job that kills it breaks the pool, and the next job starts a fresh one."""

    def __init__(self, settings_json: str) -> None:
        self.settings_json = settings_json
        self._lock = threading.RLock()  # a done callback may run inside submit
        self._executor = self._fresh()
        self._broken: str | None = None

    @staticmethod
    def _fresh() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))

    def __call__(self, job_id: str) -> Future[None]:
        """Start the job; a broken pool is replaced first (503 `service_unavailable` if that fails too)."""
        with self._lock:
            for attempt in range(2):
                try:
                    future = self._executor.submit(run_plan_job, self.settings_json, job_id)
                except (BrokenProcessPool, RuntimeError) as error:
                    log.warning("job pool broken (%s): starting a new one", type(error).__name__)
                    self._executor.shutdown(wait=False, cancel_futures=True)
                    self._executor = self._fresh()
                    if attempt:
                        self._broken = type(error).__name__
                        raise UnavailableError("plan jobs cannot run now", retry_after_s=30) from None
                    continue
                self._broken = None
                future.add_done_callback(self._watch)
                return future
        raise AssertionError("unreachable")  # pragma: no cover

    def _watch(self, future: Future[None]) -> None:
        error = future.exception() if not future.cancelled() else None
        if isinstance(error, BrokenProcessPool):
            log.error("a plan job's process died: the pool starts afresh with the next job")
            with self._lock:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = self._fresh()

    def problem(self) -> str | None:
        """None while jobs can run; else why not (for `/readyz`)."""
        return self._broken

    def shutdown(self) -> None:
        """Stop the pool without waiting for a running job (it is marked interrupted later)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
