"""One kernel per build worker, reused from brief to brief and reset between them.

Starting a kernel, importing pandas, matplotlib and this package in it, and shutting it down
again costs about 1.5 s of CPU per brief: most of what a phase brief's execution costs. A
build worker therefore starts one kernel and runs its briefs in it one after another. Between
two briefs the kernel is reset to the state of a fresh one as far as a brief can tell: the user
namespace, output history and execution counter are cleared (IPython's ``reset`` of a new
session), figures are closed and matplotlib's settings restored to the ones it started with.
What stays is what should: imported modules and the package's caches of validated data, which
are the same for every brief of one build. A test builds the same brief in a fresh kernel and
in one that has just built another brief and compares the HTML byte for byte.

A kernel that fails in any way (an error in a cell, a timeout, a dead kernel, a reset that does
not answer) is shut down and the worker's next brief gets a fresh one.

Papermill runs the notebook as usual; only its engine differs: :class:`ReusedKernelEngine`
hands nbclient the worker's kernel manager instead of letting it start and stop a kernel.
"""

from __future__ import annotations

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.iorw import write_ipynb
from papermill.log import logger
from papermill.utils import merge_kwargs, remove_args

ENGINE_NAME = "russia-korea-briefs-reused-kernel"

# Executed silently and without history after each brief, so the next one sees a fresh kernel.
RESET_CODE = """\
def _russia_korea_briefs_reset():
    import matplotlib
    import matplotlib.pyplot as plt

    plt.close("all")
    matplotlib.rc_file_defaults()
    get_ipython().reset(new_session=True)


_russia_korea_briefs_reset()
"""


class KernelSession:
    """The kernel one build worker runs its briefs in, one after another (one thread only)."""

    def __init__(self, kernel_name: str):
        self.kernel_name = kernel_name
        self.km: AsyncKernelManager | None = None
        self.started = 0  # kernels started so far (for the benchmark and the tests)
        self.briefs = 0  # briefs run so far

    def manager(self) -> AsyncKernelManager:
        """This worker's kernel manager; nbclient starts its kernel if it is not running."""
        if self.km is None:
            self.km = AsyncKernelManager(kernel_name=self.kernel_name)
        if not self.km.has_kernel:
            self.started += 1
        self.briefs += 1
        return self.km

    def finish(self, client: PapermillNotebookClient, ok: bool) -> None:
        """After a brief: reset the kernel for the next one, or discard it if anything went wrong."""
        kc = client.kc
        try:
            if ok and kc is not None:
                msg_id = kc.execute(RESET_CODE, silent=True, store_history=False, allow_stdin=False)
                reply = client.wait_for_reply(msg_id)
                ok = reply is not None and reply["content"].get("status") == "ok"
        except Exception:  # noqa: BLE001 - a kernel that cannot be reset is replaced, not reported
            ok = False
        finally:
            if kc is not None:
                kc.stop_channels()
                client.kc = None
        if not ok:
            self.discard()

    def discard(self) -> None:
        """Shut the kernel down now (the next brief starts a fresh one)."""
        km, self.km = self.km, None
        if km is None:
            return
        try:
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # noqa: BLE001, S110 - already dead: nothing left to stop
            pass
        finally:
            run_sync(km.cleanup_resources)()

    close = discard


class ReusedKernelEngine(NBClientEngine):
    """Papermill's nbclient engine, running the notebook in a :class:`KernelSession`'s kernel."""

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        session: KernelSession | None = None,
        save_failed_to: str | None = None,
        **kwargs,
    ):
        """Run the notebook in ``session``'s kernel (a fresh one without a session).

        Papermill writes the executed notebook only at the end when it is not asked to save after
        every cell; a timeout or a dead kernel ends execution with an exception before that. The
        notebook as it was then (which cells ran, which one was running) is written to
        ``save_failed_to`` so the build can name the cell.
        """
        owned = session is None
        session = session or KernelSession(kernel_name)
        # the same arguments as NBClientEngine gives the client, plus the session's kernel manager
        kwargs = remove_args(["input_path"], **kwargs)
        safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            safe_kwargs,
            timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logger,
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, km=session.manager(), **final_kwargs)
        ok = False
        try:
            nb = client.execute()
            ok = not nb.metadata.get("papermill", {}).get("exception")  # a cell raised: papermill reports it later
            return nb
        finally:
            session.finish(client, ok)
            if owned:
                session.close()
            if not ok and save_failed_to:
                write_ipynb(nb_man.nb, save_failed_to)


papermill_engines.register(ENGINE_NAME, ReusedKernelEngine)
