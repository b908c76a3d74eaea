"""Command line: ``python -m russia_korea_briefs {build,validate,list}``.

Every expected failure ends in one clear message on stderr and an exit code, never a traceback:
2 bad parameter or usage, 3 invalid data, 4 another build running, 1 a brief failed.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time

from russia_korea_briefs.errors import EXIT_BUILD_FAILED, EXIT_USAGE, BriefsError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors also exit 2, in one line
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m russia_korea_briefs", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    b = sub.add_parser("build", help="build briefs into reports/ (all standard briefs by default)")
    b.add_argument("briefs", nargs="*", metavar="BRIEF", help="brief ids (see `list`); default: all")
    b.add_argument(
        "--param", "-p", action="append", metavar="NAME=VALUE", default=[],
        help="run with other parameters; builds a custom brief under reports/custom/",
    )
    b.add_argument("--notebook", help="notebook for a custom brief without BRIEF (default: overview)")
    b.add_argument("--jobs", "-j", type=int, default=None, help="briefs built in parallel (default: CPUs)")
    b.add_argument("--force", action="store_true", help="rebuild even when the inputs are unchanged")
    b.add_argument(
        "--timeout", type=int, default=None, metavar="SECONDS",
        help="seconds one notebook cell may run before its brief fails (default: 600)",
    )
    b.add_argument("--no-progress", action="store_true", help="no per-cell progress bars")
    sub.add_parser("validate", help="check every data file; report every problem with file, line, column")
    sub.add_parser("list", help="the briefs, and each notebook's parameters")
    sub.add_parser("kernel", help="register the project's Jupyter kernel in this environment")
    i = sub.add_parser("ingest", help="re-derive data/derived and data/indicators/trade.csv from the raw files")
    i.add_argument("--check", action="store_true", help="only compare the committed files with a fresh derivation")
    return parser


def cmd_validate(_args) -> int:
    from russia_korea_briefs.data import require_valid

    require_valid()
    print("data OK: events, phases and indicator tables are valid")
    return 0


def cmd_ingest(args) -> int:
    from russia_korea_briefs.ingest import main as ingest_main

    return ingest_main(["--check"] if args.check else [])


def cmd_kernel(_args) -> int:
    from russia_korea_briefs.build import KERNEL_NAME, ensure_kernel

    where = ensure_kernel(force=True)
    print(f"kernel {KERNEL_NAME!r} registered in {where}")
    return 0


def cmd_list(_args) -> int:
    from russia_korea_briefs.manifest import load_manifest, standard_briefs

    manifest = load_manifest()
    print("Briefs:")
    for brief in standard_briefs(manifest):
        print(f"  {brief.id:<32} {brief.title}")
    for nb in manifest.notebooks.values():
        print(f"\nNotebook {nb.id} ({nb.path.name}) parameters:")
        for spec in nb.parameters.values():
            default = spec.default if spec.default not in ("", None) else "(empty)"
            print(f"  {spec.name:<14} {spec.type:<13} default {default!s:<12} {spec.describe_allowed()}")
            if spec.help:
                print(f"  {'':<14} {spec.help}")
    return 0


def select_briefs(args):
    from russia_korea_briefs.errors import ParameterError
    from russia_korea_briefs.manifest import (
        custom_brief,
        find_briefs,
        load_manifest,
        standard_briefs,
    )
    from russia_korea_briefs.params import parse_assignments

    manifest = load_manifest()
    given = parse_assignments(args.param)
    if args.notebook and not given:
        raise ParameterError("--notebook only applies to a custom brief: add --param NAME=VALUE")
    if not given:
        return find_briefs(args.briefs, manifest) if args.briefs else standard_briefs(manifest)
    if args.briefs:
        bases = find_briefs(args.briefs, manifest)
    else:
        nb_id = args.notebook or "overview"
        if nb_id not in manifest.notebooks:
            raise ParameterError(f"--notebook: unknown notebook {nb_id!r}; expected one of {', '.join(manifest.notebooks)}")
        bases = [next(b for b in standard_briefs(manifest) if b.notebook.id == nb_id)]
    return [custom_brief(base, given) for base in bases]


def cmd_build(args) -> int:
    from russia_korea_briefs.build import CELL_TIMEOUT, build
    from russia_korea_briefs.errors import ParameterError

    if args.jobs is not None and args.jobs < 1:
        raise ParameterError("--jobs must be at least 1")
    if args.timeout is not None and args.timeout < 1:
        raise ParameterError("--timeout must be at least 1 second")
    briefs = select_briefs(args)  # every parameter is checked here, before any kernel starts
    started = time.perf_counter()
    outcomes = build(
        briefs,
        force=args.force,
        jobs=args.jobs,
        timeout=args.timeout or CELL_TIMEOUT,
        progress=not args.no_progress and sys.stderr.isatty(),
        log=lambda m: print(m, file=sys.stderr),
    )
    counts = {s: sum(o.status == s for o in outcomes) for s in ("built", "skipped", "failed")}
    for o in outcomes:
        if o.status == "built":
            print(f"built   {o.brief.id} ({o.seconds:.1f} s)")
    print(
        f"{counts['built']} built, {counts['skipped']} up to date, {counts['failed']} failed "
        f"in {time.perf_counter() - started:.1f} s"
    )
    for o in outcomes:
        if o.status == "built" and not o.brief.standard:
            print(f"custom brief: reports/custom/{o.brief.id}.html and .pdf")
    return EXIT_BUILD_FAILED if counts["failed"] else 0


def main(argv: list[str] | None = None) -> int:
    import signal

    args = _parser().parse_args(argv)
    handler = {"build": cmd_build, "validate": cmd_validate, "list": cmd_list, "kernel": cmd_kernel, "ingest": cmd_ingest}[args.command]
    previous = None
    if args.command == "build" and threading.current_thread() is threading.main_thread():
        from russia_korea_briefs.build import terminate_like_ctrl_c

        previous = signal.signal(signal.SIGTERM, terminate_like_ctrl_c)  # SIGTERM behaves like Ctrl-C
    try:
        return handler(args)
    except BriefsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt as exc:
        terminated = type(exc).__name__ == "Terminated"
        what = "terminated (SIGTERM)" if terminated else "interrupted"
        print(f"{what}: nothing half-written was published", file=sys.stderr)
        return 128 + (signal.SIGTERM if terminated else signal.SIGINT)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    raise SystemExit(main())
