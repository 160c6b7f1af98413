"""Backup and restore (docs/operations.md): every row and every file (by SHA-256) comes back, into a
fresh database and a fresh media folder; a corrupt archive or a non-empty target is refused.

The backup runs pg_dump from another process, which sees committed rows only: transactional tests."""

import hashlib
import json
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg2  # type: ignore[import-untyped]
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.models import User
from commitments import services
from commitments.models import Commitment, Evidence, Submission
from commitments.uploads import PDF
from reports.models import CompiledReport, ReportFile
from reports.services import report_compile
from tests.conftest import fill_all
from tests.processes import run_manage
from tests.reporting import files

pytestmark = pytest.mark.django_db(transaction=True)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def connect(name: str) -> Any:
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=name, host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], password=db["PASSWORD"]
    )


def url_of(name: str) -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database beside the test database, dropped after the test."""
    name = f"alliance_restore_{uuid.uuid4().hex[:12]}"
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with connection._nodb_cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def contents(name: str) -> dict[str, Any]:
    """Every row of every table (in a stable order) and where every sequence stands."""
    with connect(name) as db, db.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        tables = [row[0] for row in cursor.fetchall()]
        found: dict[str, Any] = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (names from the catalogue)
            found[table] = sorted(repr(row) for row in cursor.fetchall())
        cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
        found["sequences"] = sorted(cursor.fetchall())
    db.close()
    return found


def attach(draft: Submission, commitment: Commitment, contact: User, name: str, content: bytes) -> Evidence:
    return services.evidence_attach(
        submission=draft, commitment=commitment, actor=contact, upload=SimpleUploadedFile(name, content), detected=PDF
    )


@pytest.fixture
def reporting_data(
    draft: Submission, contact: User, reviewer: User, french_commitments: list[Commitment]
) -> dict[str, Any]:
    """France's submitted report with evidence (one file of several MiB), and both editions compiled."""
    fill_all(draft, contact)
    attach(draft, french_commitments[0], contact, "minutes.pdf", files.PDF)
    attach(draft, french_commitments[1], contact, "campaign.pdf", files.PDF + bytes(range(256)) * 16 * 1024)
    submitted = services.submission_submit(submission=draft, actor=contact)
    for edition in CompiledReport.Edition.values:
        # Compiled here rather than requested: a request would leave its compile in this run's
        # queue, for the worker of a later test to take.
        report = CompiledReport.objects.create(cycle=submitted.cycle, edition=edition, requested_by=reviewer)
        done = report_compile(report=report)
        assert done.status == "done", done.error
    return {"submission": submitted}


def referenced_files() -> dict[str, str]:
    """Each file the database refers to (its path under MEDIA_ROOT), with the SHA-256 it records."""
    evidence = {entry.file.name: entry.sha256 for entry in Evidence.objects.all()}
    return evidence | {entry.file.name: entry.sha256 for entry in ReportFile.objects.all()}


@pytest.mark.slow
def test_a_backup_restored_into_a_fresh_database_and_media_folder_has_every_row_and_file(
    reporting_data: dict[str, Any], fresh_database: str, tmp_path: Path
) -> None:
    recorded = referenced_files()
    assert len([name for name in recorded if name.startswith("evidence/")]) == 2
    assert len([name for name in recorded if name.startswith("reports/")]) == 10
    archive = tmp_path / "alliance.tar"

    call_command("backup", output=archive)

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["database"] == {"vendor": "postgresql", "path": "database.dump"}
    assert ["reports", "0001_initial"] in manifest["migrations"]
    assert {entry["path"] for entry in manifest["files"][1:]} == {f"media/{name}" for name in recorded}

    media = tmp_path / "media"
    result = run_manage("restore", "--input", str(archive), DATABASE_URL=url_of(fresh_database), MEDIA_ROOT=str(media))
    assert result.returncode == 0, result.stderr
    assert "commitments.Evidence: 2" in result.stdout
    assert "reports.ReportFile: 10" in result.stdout
    assert "files: 12" in result.stdout

    # Every row of every table, and the sequences (new rows after a restore get new ids).
    source, restored = contents(connection.settings_dict["NAME"]), contents(fresh_database)
    assert source.keys() == restored.keys()
    for table in source:
        assert restored[table] == source[table], table
    assert len(restored["commitments_progressupdate"]) == 2
    assert len(restored["commitments_submission"]) == 1
    assert len(restored["reports_compiledreport"]) == 2
    # Every file, by SHA-256: as the source has it, as the database records it, and nothing else.
    for name, digest in recorded.items():
        assert sha256(media / name) == sha256(Path(settings.MEDIA_ROOT) / name) == digest, name
    assert sorted(p.relative_to(media).as_posix() for p in media.rglob("*") if p.is_file()) == sorted(recorded)


def test_a_corrupt_file_in_the_archive_is_named_and_nothing_is_restored(
    draft: Submission, contact: User, french_commitments: list[Commitment], fresh_database: str, tmp_path: Path
) -> None:
    evidence = attach(draft, french_commitments[0], contact, "minutes.pdf", files.PDF)
    archive = tmp_path / "alliance.tar"
    call_command("backup", output=archive)
    member = f"media/{evidence.file.name}"
    with tarfile.open(archive) as tar:
        offset = tar.getmember(member).offset_data
    with archive.open("r+b") as handle:
        handle.seek(offset + 3)
        byte = handle.read(1)
        handle.seek(offset + 3)
        handle.write(bytes([byte[0] ^ 0x01]))

    media = tmp_path / "media"
    result = run_manage("restore", "--input", str(archive), DATABASE_URL=url_of(fresh_database), MEDIA_ROOT=str(media))
    assert result.returncode != 0
    assert f"{member} is corrupt" in result.stderr
    assert not list(media.rglob("*"))  # not even the staging folder
    assert contents(fresh_database) == {"sequences": []}


def test_restore_refuses_a_database_that_has_data(alliance: None, tmp_path: Path) -> None:
    archive = tmp_path / "alliance.tar"
    call_command("backup", output=archive)
    with pytest.raises(CommandError, match="already has migrations applied"):
        call_command("restore", input=archive)


def test_restore_refuses_a_media_folder_that_holds_files(fresh_database: str, tmp_path: Path) -> None:
    archive = tmp_path / "alliance.tar"
    call_command("backup", output=archive)
    media = tmp_path / "media"
    (media / "evidence").mkdir(parents=True)
    (media / "evidence" / "left-over.pdf").write_bytes(files.PDF)
    result = run_manage("restore", "--input", str(archive), DATABASE_URL=url_of(fresh_database), MEDIA_ROOT=str(media))
    assert result.returncode != 0
    assert "holds files; restore into an empty folder" in result.stderr


def test_a_backup_names_a_referenced_file_that_is_missing_and_writes_nothing(
    draft: Submission, contact: User, french_commitments: list[Commitment], tmp_path: Path
) -> None:
    evidence = attach(draft, french_commitments[0], contact, "minutes.pdf", files.PDF)
    Path(evidence.file.path).unlink()
    archive = tmp_path / "alliance.tar"
    with pytest.raises(CommandError, match=f"missing from MEDIA_ROOT: {evidence.file.name}"):
        call_command("backup", output=archive)
    assert list(tmp_path.iterdir()) == []


def test_a_file_that_is_not_an_archive_is_refused(fresh_database: str, tmp_path: Path) -> None:
    bogus = tmp_path / "alliance.tar"
    bogus.write_bytes(b"not a tar file at all" * 100)
    result = run_manage(
        "restore", "--input", str(bogus), DATABASE_URL=url_of(fresh_database), MEDIA_ROOT=str(tmp_path / "media")
    )
    assert result.returncode != 0
    assert "is not a backup archive" in result.stderr
