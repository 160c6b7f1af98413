from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from commitments.management.archive import write_backup


class Command(BaseCommand):
    help = (
        "Write one archive of the database (one snapshot) and of every file it refers to, "
        "with a manifest of their SHA-256 (docs/operations.md)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, type=Path, help=_("The archive to write (a .tar file)."))
        parser.add_argument("--database", default="default", help=_("The database alias."))

    def handle(self, *args: Any, output: Path, database: str, **options: Any) -> None:
        manifest = write_backup(output, alias=database)
        files = manifest["files"][1:]  # the first entry is the database dump
        size = sum(entry["size"] for entry in manifest["files"])
        self.stdout.write(
            _("Backup written to %(output)s: the database and %(files)d files, %(size)d bytes.")
            % {"output": output, "files": len(files), "size": size}
        )
