"""Backup archives of a deployment: the database and the files it refers to, taken consistently.

An archive is one uncompressed tar file (the database dump is compressed by pg_dump already, and
evidence and report files mostly are):

    database.dump      pg_dump --format=custom (PostgreSQL), or database.sqlite3 (SQLite)
    media/<path>       every file a FileField of the snapshot refers to, by its path under MEDIA_ROOT
    manifest.json      last: each member's path, size and SHA-256, the migrations, the time, the version

Files are always written before the rows that name them commit (evidence in its upload's
transaction, report files before the report is marked done), so the database is snapshot first and
then exactly the files that snapshot refers to are copied: a file added later is not needed, and a
file referenced but missing is an error.
"""

import hashlib
import importlib.metadata
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import CommandError
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone
from django.utils.translation import gettext as _

ARCHIVE_FORMAT = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.dump"
SQLITE_DUMP = "database.sqlite3"
MEDIA_PREFIX = "media/"
CHUNK = 1024 * 1024
# The apps whose rows a restore counts in its summary.
PRODUCT_APPS = ("accounts", "commitments", "reports", "jobs", "public", "webhooks", "idempotency")


def app_version() -> str:
    try:
        return importlib.metadata.version("alliance-tracker")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def file_fields() -> Iterator[tuple[type[models.Model], models.FileField]]:
    """Every FileField of every installed model (evidence uploads, compiled report files...)."""
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                yield model, field


def media_path(field: models.FileField, name: str) -> str:
    """The file's path relative to MEDIA_ROOT, where a restore puts it back."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = Path(field.storage.path(name)).resolve()
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        raise CommandError(
            _("%(name)s is stored outside MEDIA_ROOT (%(root)s); this backup covers MEDIA_ROOT only.")
            % {"name": name, "root": root}
        ) from None


def postgres_env(db: dict[str, Any]) -> dict[str, str]:
    """libpq's environment for pg_dump and pg_restore: the password never on a command line."""
    env = {**os.environ, "PGHOST": str(db["HOST"] or "localhost"), "PGDATABASE": str(db["NAME"])}
    if db["PORT"]:
        env["PGPORT"] = str(db["PORT"])
    if db["USER"]:
        env["PGUSER"] = str(db["USER"])
    if db["PASSWORD"]:
        env["PGPASSWORD"] = str(db["PASSWORD"])
    if db.get("OPTIONS", {}).get("sslmode"):
        env["PGSSLMODE"] = str(db["OPTIONS"]["sslmode"])
    return env


def run_client(command: list[str], env: dict[str, str]) -> None:
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError:
        raise CommandError(
            _("%(program)s is not installed (the PostgreSQL client).") % {"program": command[0]}
        ) from None
    if result.returncode != 0:
        raise CommandError(_("%(program)s failed: %(error)s") % {"program": command[0], "error": result.stderr.strip()})


class HashingReader:
    """A file read by tarfile, hashed on the way: one pass, a chunk in memory at a time."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        return chunk


@dataclass
class Snapshot:
    """The database dump and the files its rows refer to, with the migrations it records."""

    dump: Path
    member: str
    files: list[str]
    migrations: list[tuple[str, str]]


def _referenced(cursor: Any) -> list[str]:
    names: set[str] = set()
    for model, field in file_fields():
        table, column = model._meta.db_table, field.column
        cursor.execute(f'SELECT "{column}" FROM "{table}" WHERE "{column}" <> \'\'')  # noqa: S608 (names from models)
        names.update(media_path(field, row[0]) for row in cursor.fetchall())
    return sorted(names)


def _migrations(cursor: Any) -> list[tuple[str, str]]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
    return [(app, name) for app, name in cursor.fetchall()]


def database_snapshot(alias: str, folder: Path) -> Snapshot:
    """Dump the database into `folder`, and list the files and migrations of the same snapshot."""
    connection = connections[alias]
    if connection.vendor == "postgresql":
        return _postgres_snapshot(connection, folder)
    if connection.vendor == "sqlite":
        return _sqlite_snapshot(connection, folder)
    raise CommandError(_("Backups support PostgreSQL and SQLite, not %(vendor)s.") % {"vendor": connection.vendor})


def _postgres_snapshot(connection: BaseDatabaseWrapper, folder: Path) -> Snapshot:
    """pg_dump runs on a snapshot exported by a transaction of our own, which lists the files: the
    dump and the list see the same rows, whatever commits meanwhile."""
    holder = connections.create_connection(connection.alias)
    try:
        with holder.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
            files = _referenced(cursor)
            migrations = _migrations(cursor)
            dump = folder / PG_DUMP
            command = ["pg_dump", "--format=custom", f"--snapshot={snapshot_id}", f"--file={dump}"]
            run_client(command, postgres_env(connection.settings_dict))
            cursor.execute("COMMIT")
    finally:
        holder.close()
    return Snapshot(dump=dump, member=PG_DUMP, files=files, migrations=migrations)


def _sqlite_snapshot(connection: BaseDatabaseWrapper, folder: Path) -> Snapshot:
    """SQLite's online backup API copies the database as of one moment; the copy lists the files."""
    dump = folder / SQLITE_DUMP
    source = sqlite3.connect(str(connection.settings_dict["NAME"]))
    target = sqlite3.connect(str(dump))
    try:
        source.backup(target)
        cursor = target.cursor()
        files = _referenced(cursor)
        migrations = _migrations(cursor)
    finally:
        target.close()
        source.close()
    return Snapshot(dump=dump, member=SQLITE_DUMP, files=files, migrations=migrations)


def add_file(archive: tarfile.TarFile, source: Path, member: str) -> dict[str, Any]:
    """Stream one file into the archive; its manifest entry (path, size, SHA-256)."""
    with source.open("rb") as handle:
        info = archive.gettarinfo(fileobj=handle, arcname=member)
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        reader = HashingReader(handle)
        archive.addfile(info, reader)
    return {"path": member, "size": info.size, "sha256": reader.digest.hexdigest()}


def write_backup(output: Path, alias: str = "default") -> dict[str, Any]:
    """Write the archive to `output` (whole or not at all); its manifest."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    taken_at = timezone.now()
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="alliance-backup-") as scratch:
        snapshot = database_snapshot(alias, Path(scratch))
        missing = [name for name in snapshot.files if not (media / name).is_file()]
        if missing:
            raise CommandError(
                _("Files the database refers to are missing from MEDIA_ROOT: %(names)s") % {"names": ", ".join(missing)}
            )
        handle, partial = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".partial")
        os.close(handle)
        try:
            with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as archive:
                entries = [add_file(archive, snapshot.dump, snapshot.member)]
                entries += [add_file(archive, media / name, MEDIA_PREFIX + name) for name in snapshot.files]
                manifest = {
                    "format": ARCHIVE_FORMAT,
                    "created_at": taken_at.isoformat(),
                    "app_version": app_version(),
                    "database": {"vendor": connections[alias].vendor, "path": snapshot.member},
                    "migrations": [list(pair) for pair in snapshot.migrations],
                    "files": entries,
                }
                content = json.dumps(manifest, indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(content)
                info.mtime = int(taken_at.timestamp())
                archive.addfile(info, io.BytesIO(content))
            os.replace(partial, output)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return manifest


# --- Restore -------------------------------------------------------------------------------


def read_manifest(archive: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = archive.getmember(MANIFEST)
        handle = archive.extractfile(member)
        manifest: dict[str, Any] = json.loads(handle.read()) if handle else {}
    except (KeyError, ValueError, tarfile.TarError):
        raise CommandError(_("This is not a backup archive of the tracker: it has no readable manifest.")) from None
    if manifest.get("format") != ARCHIVE_FORMAT:
        raise CommandError(_("Unknown backup archive format: %(format)s") % {"format": manifest.get("format")})
    return manifest


def extract_verified(archive: tarfile.TarFile, entry: dict[str, Any], target: Path) -> None:
    """Copy one member to `target`, streamed, and check its size and SHA-256 against the manifest."""
    path = str(entry["path"])
    if path.startswith("/") or ".." in Path(path).parts:
        raise CommandError(_("The archive names an unsafe path: %(path)s") % {"path": path})
    try:
        member = archive.getmember(path)
        source = archive.extractfile(member)
    except KeyError:
        source = None
    if source is None:
        raise CommandError(_("The archive is missing %(path)s.") % {"path": path})
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    with source, target.open("wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise CommandError(
            _("%(path)s is corrupt: its SHA-256 or size differs from the manifest's; nothing was restored.")
            % {"path": path}
        )


def database_is_empty(connection: BaseDatabaseWrapper) -> bool:
    if "django_migrations" not in connection.introspection.table_names():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT EXISTS (SELECT 1 FROM django_migrations)")
        return not cursor.fetchone()[0]


def media_is_empty(root: Path) -> bool:
    return not root.exists() or not any(path.is_file() for path in root.rglob("*"))


def restore_database(connection: BaseDatabaseWrapper, dump: Path, vendor: str) -> None:
    if vendor != connection.vendor:
        raise CommandError(
            _("The archive holds a %(archived)s database; this deployment runs on %(target)s.")
            % {"archived": vendor, "target": connection.vendor}
        )
    if vendor == "postgresql":
        # One transaction: a dump that fails half-way leaves the database as empty as it was.
        command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
        run_client(
            [*command, f"--dbname={connection.settings_dict['NAME']}", str(dump)],
            postgres_env(connection.settings_dict),
        )
        return
    connection.close()
    source = sqlite3.connect(str(dump))
    target = sqlite3.connect(str(connection.settings_dict["NAME"]))
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def move_into(staging: Path, root: Path) -> None:
    """Move the verified files from the staging folder (inside MEDIA_ROOT: same filesystem, so each
    move is a rename) to their places."""
    for path in sorted(staging.rglob("*")):
        if path.is_file():
            target = root / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
    shutil.rmtree(staging)


def row_counts(connection: BaseDatabaseWrapper) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for app in PRODUCT_APPS:
            for model in apps.get_app_config(app).get_models():
                cursor.execute(f'SELECT COUNT(*) FROM "{model._meta.db_table}"')  # noqa: S608 (names from models)
                counts[model._meta.label] = int(cursor.fetchone()[0])
    return counts
