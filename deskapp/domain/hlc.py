"""Hybrid logical clock: orders changes across terminals without trusting any wall clock.

A stamp is (wall milliseconds, counter, node id), encoded as a fixed-width string so that
string order is causal order and ties break deterministically by node."""

from __future__ import annotations

from dataclasses import dataclass

# A remote stamp further ahead than this is not adopted (a terminal with a broken clock
# would otherwise drag every replica's clock into the future).
MAX_FORWARD_DRIFT_MS = 5 * 60 * 1000


@dataclass(frozen=True, order=True)
class Stamp:
    wall_ms: int
    counter: int
    node_id: str

    def encode(self) -> str:
        return f"{self.wall_ms:015d}.{self.counter:06d}.{self.node_id}"

    @classmethod
    def decode(cls, text: str) -> Stamp:
        wall, counter, node = text.split(".", 2)
        return cls(int(wall), int(counter), node)


class ClockDriftError(Exception):
    def __init__(self, remote: Stamp, local_wall_ms: int) -> None:
        super().__init__(
            f"remote stamp {remote.encode()} is {remote.wall_ms - local_wall_ms} ms ahead"
        )
        self.remote = remote
        self.drift_ms = remote.wall_ms - local_wall_ms


def tick(last: Stamp, now_ms: int) -> Stamp:
    """The stamp for a local event."""
    if now_ms > last.wall_ms:
        return Stamp(now_ms, 0, last.node_id)
    return Stamp(last.wall_ms, last.counter + 1, last.node_id)


def receive(last: Stamp, remote: Stamp, now_ms: int) -> Stamp:
    """The local clock after seeing a remote stamp; refuses one too far in the future."""
    if remote.wall_ms - now_ms > MAX_FORWARD_DRIFT_MS:
        raise ClockDriftError(remote, now_ms)
    wall = max(last.wall_ms, remote.wall_ms, now_ms)
    if wall == last.wall_ms == remote.wall_ms:
        counter = max(last.counter, remote.counter) + 1
    elif wall == last.wall_ms:
        counter = last.counter + 1
    elif wall == remote.wall_ms:
        counter = remote.counter + 1
    else:
        counter = 0
    return Stamp(wall, counter, last.node_id)
