"""The `stackc` command line (CLI.md): the only place that reads files, prints and exits.

Exit codes: 0 success (warnings allowed), 1 input errors / failed policy / formatting or drift
found, 2 usage errors (unknown flag, unreadable FILE), 3 internal errors. Imports of the compiler
happen inside the commands so that `--help` and `--version` stay instant.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from collections.abc import Sequence

from stackc import __version__

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
ISSUES_URL = "https://github.com/stackc-dev/stackc/issues"


class UsageError(Exception):
    """A problem with how stackc was called, not with the stack file (exit 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except UsageError as exc:
        print(f"stackc: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`stackc check | head`): nothing left to say to it.
        sys.stderr.close()
        return EXIT_OK
    except Exception as exc:
        if os.environ.get("STACKC_TRACEBACK"):
            raise
        print(
            f"stackc: internal error: {type(exc).__name__}: {exc}\n"
            f"This is a bug in stackc {__version__}. Please report it at {ISSUES_URL} with the input "
            "that caused it; set STACKC_TRACEBACK=1 to see where it happened.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _main(argv: Sequence[str] | None) -> int:
    # A compilation allocates hundreds of thousands of small, acyclic objects: the cyclic
    # collector scanning them again and again made large stacks superlinear (5,000 services:
    # 13 s with it, 6 s without). The process is short-lived; memory is returned at exit.
    gc.disable()
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stackc",
        description="Compile a platform.stack description into the files that run it.",
    )
    parser.add_argument("--version", action="version", version=f"stackc {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="parse, resolve, type-check and lint every environment; write nothing",
        description="Parse, resolve and type-check FILE for every environment and report every finding.",
    )
    check.add_argument(
        "file", nargs="?", default="platform.stack", metavar="FILE", help="the stack file (default: platform.stack)"
    )
    check.add_argument("--format", choices=("text", "json", "sarif"), default="text", help="output format")
    check.add_argument("--strict", action="store_true", help="warnings fail the check too")
    check.add_argument("--verbose", action="store_true", help="show info findings in text output")
    check.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODES",
        help="run only the policies whose codes start with these prefixes (comma-separated: SEC,REL001)",
    )
    check.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODES",
        help="skip the policies whose codes start with these prefixes (comma-separated)",
    )
    check.set_defaults(run=_run_check)

    build = commands.add_parser(
        "build",
        help="compile the stack into every target's files",
        description="Compile FILE for every environment (or those of --env) and every target (or those of "
        "--target) into the output folder. Writes nothing when the stack has errors.",
    )
    build.add_argument(
        "file", nargs="?", default="platform.stack", metavar="FILE", help="the stack file (default: platform.stack)"
    )
    build.add_argument("-o", "--output", metavar="DIR", help="output folder (default: deploy/ beside FILE)")
    build.add_argument("--env", action="append", default=[], metavar="ENV", help="only this environment (repeatable)")
    build.add_argument("--target", action="append", default=[], metavar="T", help="only this target (repeatable)")
    build.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and list the files that differ from what would be generated",
    )
    build.add_argument("--force", action="store_true", help="overwrite generated files that were edited by hand")
    build.add_argument("--verbose", action="store_true",
                       help="also show info findings (what a target expresses differently, for instance)")
    build.set_defaults(run=_run_build)

    fmt = commands.add_parser(
        "fmt",
        help="rewrite files in canonical layout, keeping comments",
        description="Rewrite FILEs in canonical layout, keeping comments. `-` formats standard input "
        "to standard output.",
    )
    fmt.add_argument(
        "files", nargs="*", default=["platform.stack"], metavar="FILE", help="files to format (default: platform.stack)"
    )
    fmt.add_argument("--check", action="store_true", help="report files that are not formatted; change nothing")
    fmt.set_defaults(run=_run_fmt)

    explain = commands.add_parser(
        "explain",
        help="the documentation of a diagnostic code",
        description="Print what a diagnostic code means, why, an example and the fix.",
    )
    explain.add_argument("code", nargs="?", metavar="CODE", help="a code such as E0302")
    explain.add_argument("--list", action="store_true", help="list every code")
    explain.set_defaults(run=_run_explain)
    return parser


# -- check ---------------------------------------------------------------------------------------


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        raise UsageError(f"cannot read `{path}`: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"cannot read `{path}`: it is a directory") from None
    except OSError as exc:
        raise UsageError(f"cannot read `{path}`: {(exc.strerror or 'unreadable').lower()}") from None


def _codes(values: list[str]) -> tuple[str, ...]:
    return tuple(code.strip().upper() for value in values for code in value.split(",") if code.strip())


def _run_check(args: argparse.Namespace) -> int:
    from stackc.diagnostics import Diagnostic, Severity
    from stackc.frontend import compile_source

    compilation = compile_source(_read(args.file), args.file)
    diagnostics = list(compilation.diagnostics)
    suppressed = []
    if not compilation.has_errors:
        # Policies read a complete model: on a program with type errors they would only add
        # noise to the errors that matter.
        from stackc.policies.engine import Selection, check_policies

        selection = Selection(_codes(args.select), _codes(args.ignore))
        report = check_policies(compilation.models, list(compilation.models), selection)
        diagnostics = sorted(diagnostics + report.diagnostics, key=Diagnostic.sort_key)
        suppressed = report.suppressed
    _print_diagnostics(diagnostics, compilation.sources, args.format, verbose=args.verbose, suppressed=suppressed)
    failing = Severity.WARNING if args.strict else Severity.ERROR
    return EXIT_FAILED if any(d.severity >= failing for d in diagnostics) else EXIT_OK


def _run_build(args: argparse.Namespace) -> int:
    from stackc import output
    from stackc.build import run_targets
    from stackc.diagnostics import Diagnostic, Severity
    from stackc.frontend import compile_source
    from stackc.policies.engine import check_policies
    from stackc.targets import BuildContext, targets

    available = targets()
    unknown = [t for t in args.target if t not in available]
    if unknown:
        raise UsageError(f"unknown target `{unknown[0]}`; available: {', '.join(available)}")
    compilation = compile_source(_read(args.file), args.file)
    diagnostics = list(compilation.diagnostics)
    if not compilation.has_errors:
        report = check_policies(compilation.models, list(compilation.models))
        diagnostics = sorted(diagnostics + report.diagnostics, key=Diagnostic.sort_key)
    if any(d.severity is Severity.ERROR for d in diagnostics):
        _print_diagnostics(diagnostics, compilation.sources, "text")
        print("stackc: nothing was written: fix the errors above", file=sys.stderr)
        return EXIT_FAILED
    missing = [e for e in args.env if e not in compilation.models]
    if missing:
        raise UsageError(f"no environment `{missing[0]}`; the stack has: {', '.join(compilation.models)}")
    chosen = {name: target for name, target in available.items() if not args.target or name in args.target}
    context = BuildContext(compilation.models, args.env or list(compilation.models), os.path.basename(args.file))
    files, target_diagnostics = run_targets(chosen, context)
    diagnostics = sorted(diagnostics + target_diagnostics, key=Diagnostic.sort_key)
    _print_diagnostics(diagnostics, compilation.sources, "text", verbose=args.verbose)
    if any(d.severity is Severity.ERROR for d in target_diagnostics):
        print("stackc: nothing was written: fix the errors above", file=sys.stderr)
        return EXIT_FAILED

    root = args.output or os.path.join(os.path.dirname(os.path.abspath(args.file)), "deploy")
    partial = bool(args.env or args.target)
    plan = output.plan(root, files, partial=partial)
    if args.check:
        for path in plan.drift:
            print(f"would change {os.path.join(root, path)}")
        return EXIT_FAILED if plan.drift else EXIT_OK
    if plan.conflicts and not args.force:
        print("stackc: nothing was written: these files were not written by stackc as they are now:", file=sys.stderr)
        for path in plan.conflicts:
            print(f"  {os.path.join(root, path)}", file=sys.stderr)
        print("Move your changes into the stack file, or run with --force to overwrite them.", file=sys.stderr)
        return EXIT_FAILED
    try:
        output.apply(root, files, plan, force=args.force, partial=partial)
    except OSError as exc:
        # Nothing was moved into place before every file was staged: the old output stands.
        print(
            f"stackc: cannot write to {root}: {exc.strerror or exc}; the previous output is unchanged", file=sys.stderr
        )
        return EXIT_FAILED
    written = len(plan.write)
    print(
        f"wrote {written} file{'s' if written != 1 else ''} to {root}"
        + (f", removed {len(plan.remove)}" if plan.remove else "")
    )
    return EXIT_OK


def _print_diagnostics(diagnostics, sources, output: str, *, verbose: bool = False, suppressed=()) -> None:
    if output == "text" and not any(verbose or d.severity.name != "INFO" for d in diagnostics):
        return  # nothing to show: a clean run prints nothing, and need not load the renderers
    from stackc import render

    if output == "json":
        sys.stdout.write(render.render_json(diagnostics))
    elif output == "sarif":
        from stackc.policies.engine import policy_rules

        rules = [*render.code_rules(), *policy_rules()]
        sys.stdout.write(render.render_sarif(diagnostics, rules, tool_version=__version__, suppressed=suppressed))
    else:
        text = render.render_text(diagnostics, sources, color=render.should_use_color(sys.stdout), verbose=verbose)
        if text:
            sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- fmt -----------------------------------------------------------------------------------------


def _run_fmt(args: argparse.Namespace) -> int:
    from stackc.format import format_source
    from stackc.syntax.parser import decode_source

    status = EXIT_OK
    all_diagnostics = []
    sources = {}
    for path in args.files:
        data = sys.stdin.buffer.read() if path == "-" else _read(path)
        name = "<stdin>" if path == "-" else path
        text, diagnostics = decode_source(data, name)
        if text is not None:
            sources[name] = text
            formatted, diagnostics = format_source(text, name)
        if text is None or formatted is None:
            all_diagnostics.extend(diagnostics)
            status = EXIT_FAILED
            continue
        if path == "-":
            sys.stdout.write(formatted if not args.check else "")
            if args.check and formatted != text:
                print("would reformat <stdin>", file=sys.stderr)
                status = EXIT_FAILED
            continue
        if formatted == text:
            continue
        if args.check:
            print(f"would reformat {path}")
            status = EXIT_FAILED
        else:
            _write_atomically(path, formatted)
            print(f"reformatted {path}")
    if all_diagnostics:
        _print_diagnostics(all_diagnostics, sources, "text")
    return status


def _write_atomically(path: str, text: str) -> None:
    """Replace `path` in one step, keeping its permissions: a crash never leaves half a file."""
    import tempfile

    directory = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode & 0o7777
    fd, temporary = tempfile.mkstemp(prefix=".stackc-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


# -- explain -------------------------------------------------------------------------------------


def _run_explain(args: argparse.Namespace) -> int:
    from stackc.codes import CODES
    from stackc.diagnostics import did_you_mean
    from stackc.policies import all_policies

    policies = all_policies()
    if args.list:
        for code in CODES.values():
            print(f"{code.code:<7} error    {code.name:<28} {code.summary}")
        for policy in policies.values():
            print(f"{policy.code:<7} {policy.severity.label:<8} {policy.name:<28} {policy.summary}")
        return EXIT_OK
    if not args.code:
        raise UsageError("explain needs a CODE (such as E0302 or SEC001), or --list")
    wanted = args.code.strip().upper()
    if wanted in policies:
        print(policies[wanted].page.rstrip("\n"))
        return EXIT_OK
    code = CODES.get(wanted)
    if code is None:
        suggestion = did_you_mean(wanted, [*CODES, *policies], max_distance=1)
        hint = f"; did you mean `{suggestion}`?" if suggestion else "; `stackc explain --list` lists them"
        raise UsageError(f"no diagnostic code `{args.code}`{hint}")
    print(code.docs.rstrip("\n") if code.docs else f"# {code.code} {code.name}\n\n{code.summary}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
