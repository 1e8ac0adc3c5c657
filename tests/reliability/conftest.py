"""Fixtures of the reliability suite. The one full build of the hostile folder is shared by the
hostile-input, idempotency and no-network tests, so the suite pays for it (and for loading spaCy)
once."""

import socket
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pytest

from reliability.helpers import write_hostile_folder


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: starts `python -m pipeline.run` in child processes (tens of seconds)")


@dataclass
class Build:
    root: Path
    seeds: Path
    db: Path
    expected: dict[str, str]
    result: object = None
    blocked_connections: list = field(default_factory=list)

    def resources(self) -> dict:
        from pipeline.resources import NlpModel, SeedsConfig, Warehouse

        return {
            "warehouse": Warehouse(database=str(self.db)),
            "seeds": SeedsConfig(seeds_dir=str(self.seeds)),
            "nlp_model": NlpModel(cache_dir=str(self.root / "doc-cache")),
        }

    def run(self):
        from pipeline.definitions import defs

        job = defs.resolve_job_def("frontline_all")
        with dg.instance_for_test() as instance:
            return job.execute_in_process(instance=instance, resources=self.resources(), raise_on_error=False)


class _NoNetwork:
    """Makes every internet connection attempt fail loudly and records it (Unix sockets stay usable:
    Dagster's in-process machinery may use them)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.attempts: list = []
        real_connect = socket.socket.connect
        real_connect_ex = socket.socket.connect_ex
        attempts = self.attempts

        def guard(sock, address):
            if sock.family in (socket.AF_INET, socket.AF_INET6):
                attempts.append(address)
                raise OSError(f"network disabled by the reliability suite: connect to {address!r}")

        def connect(sock, address):
            guard(sock, address)
            return real_connect(sock, address)

        def connect_ex(sock, address):
            guard(sock, address)
            return real_connect_ex(sock, address)

        def getaddrinfo(host, *args, **kwargs):
            attempts.append(host)
            raise socket.gaierror(f"network disabled by the reliability suite: resolve {host!r}")

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture(scope="session")
def hostile_build(tmp_path_factory) -> Build:
    """The seed articles plus every hostile input, built once by the real job, with the network
    switched off for the whole run."""
    root = tmp_path_factory.mktemp("hostile")
    seeds = root / "seeds"
    # 50 MB: above the default max_file_bytes (20 MB), so it must be rejected before it is read.
    expected = write_hostile_folder(seeds, big_file_bytes=50 * 1024 * 1024)
    build = Build(root=root, seeds=seeds, db=root / "frontline.duckdb", expected=expected)
    with pytest.MonkeyPatch.context() as mp:
        guard = _NoNetwork(mp)
        build.result = build.run()
    build.blocked_connections = guard.attempts
    return build


@dataclass
class SeedBuilds:
    """A warehouse built from the seeds (the 'previous' state), a seeds folder with one more
    article (the next run's input), and the reference result of that next run, uninterrupted."""

    root: Path
    before_db: Path
    next_seeds: Path
    reference_db: Path
    cache: Path


NEW_ARTICLE = (
    "Army says it repelled attack near Mhardeh\n\n"
    "HAMA, Syria (AFP) - Government forces repelled an assault by opposition fighters on the town of "
    "Mhardeh on Friday, the defence ministry said. Rebels said they had entered the outskirts of Karnaz.\n"
)


@pytest.fixture(scope="session")
def seed_builds(tmp_path_factory) -> SeedBuilds:
    import shutil

    from reliability.helpers import SEEDS

    root = tmp_path_factory.mktemp("seedbuilds")
    seeds = root / "seeds"
    seeds.mkdir()
    for f in SEEDS.iterdir():
        if f.is_file():
            shutil.copy2(f, seeds / f.name)
    before = Build(root=root, seeds=seeds, db=root / "before.duckdb", expected={})
    before.result = before.run()
    assert before.result.success, "the seed build itself fails; see tests/test_end_to_end.py"
    next_seeds = root / "next_seeds"
    shutil.copytree(seeds, next_seeds)
    (next_seeds / "zz_new_report.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    (next_seeds / "zz_new_report.json").write_text('{"published": "2024-12-06", "publisher": "AFP"}', encoding="utf-8")
    reference_db = root / "reference.duckdb"
    shutil.copy2(before.db, reference_db)
    reference = Build(root=root, seeds=next_seeds, db=reference_db, expected={})
    reference.result = reference.run()
    assert reference.result.success
    return SeedBuilds(root=root, before_db=before.db, next_seeds=next_seeds, reference_db=reference_db,
                      cache=root / "doc-cache")
