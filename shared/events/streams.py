"""JetStream streams, one per producing service, declared in code."""

from __future__ import annotations

from dataclasses import dataclass

from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """A stream and the subjects it captures."""

    name: str
    subjects: tuple[str, ...]


STREAMS: dict[str, StreamSpec] = {
    "ledger": StreamSpec("LEDGER", ("ledger.>",)),
    "disputes": StreamSpec("DISPUTES", ("disputes.>",)),
    "payments": StreamSpec("PAYMENTS", ("payments.>",)),
    "accounts": StreamSpec("ACCOUNTS", ("accounts.>",)),
}

# Window in which JetStream drops a second message with the same Nats-Msg-Id.
# It covers a relay that published a batch and could not mark it for up to a
# day (the database or the service down overnight). JetStream keeps the id of
# each message of the window, and at this product's volume (thousands of events
# a day) that stays small. Past the window, a copy is stored, and consumers'
# inboxes ignore it.
DUPLICATE_WINDOW_SECONDS = 24 * 3600.0


def stream_for_subject(subject: str) -> StreamSpec:
    """Return the stream that captures ``subject`` (its first token names the producer)."""
    producer = subject.split(".", 1)[0]
    try:
        return STREAMS[producer]
    except KeyError:
        raise ValueError(
            f"subject {subject!r} has no stream: it must start with one of {sorted(STREAMS)}"
        ) from None


def durable_name(consumer: str, subject: str) -> str:
    """Return the name of ``consumer``'s durable JetStream consumer of ``subject``."""
    stream = stream_for_subject(subject).name.lower()
    return f"{consumer}-{stream}-{subject.replace('.', '_').replace('>', 'all').replace('*', 'any')}"


async def ensure_stream(jetstream, spec: StreamSpec, *, replicas: int = 1, update: bool = True) -> None:
    """Create the stream, or, when ``update``, update it to this configuration if it exists.

    A service updates only its own stream: NATS lets it create the others
    but not change them (see `shared.events.access`).
    """
    config = StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
    )
    try:
        await jetstream.stream_info(spec.name)
    except NotFoundError:
        await jetstream.add_stream(config)
        return
    if update:
        await jetstream.update_stream(config)
