import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _

from commitments.management.archive import (
    MEDIA_PREFIX,
    database_is_empty,
    extract_verified,
    media_is_empty,
    move_into,
    read_manifest,
    restore_database,
    row_counts,
)


class Command(BaseCommand):
    help = (
        "Restore an archive written by `backup` into an empty database and an empty MEDIA_ROOT, "
        "checking the SHA-256 of every file first (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, type=Path, help=_("The archive written by `backup`."))
        parser.add_argument("--database", default="default", help=_("The database alias."))

    def handle(self, *args: Any, input: Path, database: str, **options: Any) -> None:
        connection = connections[database]
        root = Path(settings.MEDIA_ROOT)
        if not input.is_file():
            raise CommandError(_("No archive at %(path)s.") % {"path": input})
        # Restoring over live data would mix two deployments: only into empty ones.
        if not database_is_empty(connection):
            raise CommandError(
                _("The database %(name)s already has migrations applied; restore into an empty database.")
                % {"name": connection.settings_dict["NAME"]}
            )
        if not media_is_empty(root):
            raise CommandError(_("MEDIA_ROOT (%(root)s) holds files; restore into an empty folder.") % {"root": root})
        try:
            archive = tarfile.open(input, "r:")  # noqa: SIM115 (closed below)
        except tarfile.TarError:
            raise CommandError(_("%(path)s is not a backup archive (not a tar file).") % {"path": input}) from None
        with archive, tempfile.TemporaryDirectory(prefix="alliance-restore-") as scratch:
            manifest = read_manifest(archive)
            entries = manifest["files"]
            dump_path = manifest["database"]["path"]
            dump_entries = [entry for entry in entries if entry["path"] == dump_path]
            media = [entry for entry in entries if entry["path"].startswith(MEDIA_PREFIX)]
            if len(dump_entries) != 1 or len(media) != len(entries) - 1:
                raise CommandError(_("The archive's manifest is inconsistent."))
            # Everything is checked before anything is written: the dump in a scratch folder, the files
            # in a hidden folder inside MEDIA_ROOT, removed if any of them is corrupt.
            dump = Path(scratch) / "database"
            extract_verified(archive, dump_entries[0], dump)
            root.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=root))
            try:
                for entry in media:
                    extract_verified(archive, entry, staging / entry["path"].removeprefix(MEDIA_PREFIX))
                restore_database(connection, dump, manifest["database"]["vendor"])
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
            move_into(staging, root)
        self._report(connection, manifest, len(media))

    def _report(self, connection: Any, manifest: dict[str, Any], files: int) -> None:
        self.stdout.write(
            _("Restored the backup of %(created)s (version %(version)s):")
            % {"created": manifest["created_at"], "version": manifest["app_version"]}
        )
        for label, count in row_counts(connection).items():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(_("  files: %(files)d, each checked against its SHA-256") % {"files": files})
        known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
        archived = {(app, name) for app, name in manifest["migrations"]}
        if archived - known:
            self.stderr.write(
                _("The archive has migrations this code does not know (it is older than the backup): %(names)s")
                % {"names": ", ".join(f"{app}.{name}" for app, name in sorted(archived - known))}
            )
        elif known - archived:
            self.stdout.write(_("This code has newer migrations than the backup: run `manage.py migrate`."))
