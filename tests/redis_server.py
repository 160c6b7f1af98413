"""A redis-server of a test's own, to stop and start again as an outage would (never the machine's
shared one, which other test runs use)."""

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """redis-server on a free port, keeping nothing on disk unless stopped with `stop(keep=True)`:
    then its entries are saved and loaded again by the next `start()`, as a Redis that was only
    unreachable for a while still has them."""

    def __init__(self) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="redis-outage-"))
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        # No retries: redis-py's default backs off for seconds when the server is (meant to be) gone.
        return redis.Redis(port=self.port, socket_timeout=2, socket_connect_timeout=2, retry=Retry(NoBackoff(), 0))

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
                "--dbfilename",
                "dump.rdb",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except redis.exceptions.RedisError:
                time.sleep(0.05)
        raise AssertionError(f"redis-server did not start on port {self.port}")

    def stop(self, *, keep: bool = True) -> None:
        """Stop the server; with `keep`, its entries are saved for the next start."""
        assert self.process is not None
        with contextlib.suppress(redis.exceptions.ConnectionError):  # it closes the connection as it stops
            self.client().shutdown(save=keep, nosave=not keep)
        self.process.wait(timeout=10)
        self.process = None

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def hung_server() -> Iterator[str]:
    """The URL of a server that accepts connections (the kernel does) and never answers, as a hung
    Redis or one behind a broken network does."""
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen(16)
        yield f"redis://127.0.0.1:{listening.getsockname()[1]}/0"
