"""What the worker processes and the parent say to each other (pickled through a spawn-context queue).

Every message names its worker and its kind; counts travel as ``CandidateProgress`` copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

from assessment.config import CandidateConfig
from assessment.run.plan import PlannedCall
from assessment.run.retry import RetryPolicy
from assessment.run.runner import CandidateProgress


class MessageKind(Enum):
    PROGRESS = "progress"  # the counts so far
    FINISHED = "finished"  # the worker's share is done (or it stopped when asked)
    FAILED = "failed"  # the worker could not go on


class FailureCause(Enum):
    STORAGE = "storage"  # the store stopped taking writes: answers went to the side file
    ERROR = "error"  # an exception ended the worker
    EXITED = "exited"  # the process died without a word (seen by the parent)


@dataclass(frozen=True)
class ProgressReport:
    """A worker's counts per candidate so far, and when it first sent and last got an answer."""

    kind: ClassVar[MessageKind] = MessageKind.PROGRESS
    worker: int
    counts: dict[str, CandidateProgress]
    first_sent_at: float | None
    last_answer_at: float | None


@dataclass(frozen=True)
class WorkerFinished(ProgressReport):
    kind: ClassVar[MessageKind] = MessageKind.FINISHED
    cancelled: bool = False


@dataclass(frozen=True)
class WorkerFailed:
    kind: ClassVar[MessageKind] = MessageKind.FAILED
    worker: int
    cause: FailureCause
    reason: str

    def describe(self) -> str:
        return self.reason if self.cause is FailureCause.EXITED else f"{self.cause.value}: {self.reason}"


WorkerMessage = ProgressReport | WorkerFinished | WorkerFailed


@dataclass(frozen=True)
class WorkerJob:
    """Everything one worker process needs (pickled into it by the spawn context)."""

    index: int
    parent_pid: int
    store_path: str
    assessment_id: str
    candidates: dict[str, CandidateConfig]
    calls: list[PlannedCall]
    session_keys: dict[str, str]
    retry: RetryPolicy
