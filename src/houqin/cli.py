"""The ``houqin`` console script: Django's management commands with our settings.

``houqin demo | serve | tick | seed | backup | restore`` and every standard command
(``houqin migrate``, ``houqin createsuperuser``…).
"""

import os
import sys


def main(argv=None):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "houqin.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["houqin", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
