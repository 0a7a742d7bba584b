"""Update and compile the zh_Hans catalogue.

``houqin i18n`` extracts the strings (needs GNU gettext's xgettext) and compiles the .mo;
``houqin i18n --compile`` only compiles (pure Python, via polib), so installs need no
gettext tools.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Extract translatable strings into the zh_Hans catalogue and compile it."

    def add_arguments(self, parser):
        parser.add_argument("--compile", action="store_true", help="Only compile the .po into the .mo.")

    def handle(self, *args, **options):
        package_dir = Path(settings.PACKAGE_DIR)
        po_path = package_dir / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
        if not options["compile"]:
            import os

            cwd = os.getcwd()
            os.chdir(package_dir)
            try:
                call_command("makemessages", locale=["zh_Hans"], domain="django", no_obsolete=True, verbosity=0,
                             ignore_patterns=["migrations/*"])
            finally:
                os.chdir(cwd)
        po = polib.pofile(str(po_path))
        po.save_as_mofile(str(po_path.with_suffix(".mo")))
        missing = len(po.untranslated_entries()) + len(po.fuzzy_entries())
        self.stdout.write(f"{po_path}: {len(po)} entries, {po.percent_translated()}% translated, {missing} to do")
