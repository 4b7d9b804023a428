"""The workflow sandbox as this engine runs it, in the worker and in every replay.

The SDK's sandbox, with two costs it pays per payload taken off (bench/README.md):
- it compiles the same few lines of glue code with `exec(str)` on every activation
  and every payload; here each is compiled once;
- for every payload it enters the sandbox (swapping sys.modules and builtins) only to
  ask the workflow instance which serialization context a command has, a dictionary
  lookup that runs no workflow code; here it is asked directly.
Workflow code itself still runs inside the sandbox with its restrictions, and each run
still gets its own copy of its workflow module. The pure packages are passed through,
so they are imported once per worker, not once per run or replay.

The faster instance subclasses the SDK's private `_runner._Instance` and overrides
members the SDK does not promise to keep, so pyproject.toml pins temporalio to the
minor version tests/test_sandbox.py proves it with (OVERRIDDEN must exist there);
WORKFLOW_SANDBOX=stock runs the SDK's own runner with the same passthrough list, for
an SDK upgrade that breaks it before the pin is moved.

A process module is re-imported per run, but its code is not re-read: the fast runner's
finder hands the import system each workflows.* module's compiled code object from the
first import (code objects are immutable; every run still executes it into a fresh
module). Reading and unmarshalling the .pyc per run was ~5 % of the worker's CPU and
~16 KB per cached run."""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import sys
from collections.abc import Sequence
from types import CodeType, ModuleType
from typing import Any, ClassVar

from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions
from temporalio.worker.workflow_sandbox import _runner as sdk_runner

# Imported once, shared by every workflow run instead of re-imported per run. The
# workflows.* entries are the stateless library modules the case workflows share; each
# process module (workflows/return_refund.py, ...) is still loaded fresh per run.
PASSTHROUGH = (
    "domain",
    "runtime.activity_timeouts",
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "structlog",
    "sqlalchemy",
    "workflows.activity_calls",
    "workflows.casefile",
    "workflows.case_workflow",
    "workflows.remedies",
    "workflows.payout",
    "workflows.evidence",
    "workflows.waits",
    "workflows.returned_goods",
    "workflows.carryover",
    "workflows.patches",
    "workflows.refusals",
)


# The SDK's private members the faster instance relies on; a new SDK version is checked
# against this list before the pin in pyproject.toml moves.
OVERRIDDEN = ("_run_code", "get_serialization_context", "get_external_store_context", "globals_and_locals")
RUNNER_CHOICES = ("fast", "stock")


@functools.lru_cache(maxsize=256)
def _compiled(code: str) -> CodeType:
    return compile(code, "<workflow_sandbox>", "exec")


class _Instance(sdk_runner._Instance):
    def _run_code(self, code: str | CodeType, **extra_globals: Any) -> None:
        super()._run_code(_compiled(code) if isinstance(code, str) else code, **extra_globals)  # type: ignore[arg-type]

    def _in_sandbox(self) -> Any:
        return self.globals_and_locals.get("__temporal_in_sandbox")

    def get_serialization_context(self, command_info: Any) -> Any:
        inner = self._in_sandbox()
        return (
            inner.get_serialization_context(command_info) if inner else super().get_serialization_context(command_info)
        )

    def get_external_store_context(self, command_info: Any) -> Any:
        inner = self._in_sandbox()
        return (
            inner.get_external_store_context(command_info)
            if inner
            else super().get_external_store_context(command_info)
        )


RE_IMPORTED = "workflows."  # the package whose process modules each run imports afresh


class _CodeOnceLoader(importlib.machinery.SourceFileLoader):
    codes: ClassVar[dict[str, CodeType]] = {}  # by source path, for the life of the process

    def get_code(self, fullname: str) -> CodeType | None:
        code = self.codes.get(self.path)
        if code is None and (code := super().get_code(fullname)) is not None:
            self.codes[self.path] = code
        return code


class CodeOnceFinder(importlib.abc.MetaPathFinder):
    """Finds workflows.* modules as the path finder does, with a loader that reads and
    compiles each source once per process."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith(RE_IMPORTED):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and type(spec.loader) is importlib.machinery.SourceFileLoader:
            spec.loader = _CodeOnceLoader(spec.loader.name, spec.loader.path)
        return spec


def _install_code_once() -> None:
    if not any(isinstance(f, CodeOnceFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, CodeOnceFinder())


class CaseSandboxRunner(SandboxedWorkflowRunner):
    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Instance(det, self.runner_class, self.restrictions)


def sandbox_runner(choice: str | None = None) -> SandboxedWorkflowRunner:
    """The sandbox WORKFLOW_SANDBOX names: `fast` (this module's) or `stock` (the SDK's)."""
    from runtime.settings import Settings

    choice = choice or Settings().workflow_sandbox
    if choice not in RUNNER_CHOICES:
        raise ValueError(f"WORKFLOW_SANDBOX={choice!r}: use one of {', '.join(RUNNER_CHOICES)}")
    restrictions = SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH)
    runner = CaseSandboxRunner if choice == "fast" else SandboxedWorkflowRunner
    if choice == "fast":
        _install_code_once()
    return runner(restrictions=restrictions)
