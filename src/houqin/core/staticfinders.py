"""Serve a whitelist of files from node_modules (settings.VENDOR_FILES) as static files.

The npm packages are installed from package-lock.json; only the files the templates use
are collected, so nothing is loaded from a CDN and the static tree stays small.
"""

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import Error
from django.core.files.storage import FileSystemStorage


class VendorFinder(BaseFinder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.root = settings.NODE_MODULES_DIR
        self.files = dict(settings.VENDOR_FILES)
        # Source maps travel with their file (the manifest storage follows the references).
        for target, source in list(self.files.items()):
            if (self.root / f"{source}.map").exists():
                self.files[f"{target}.map"] = f"{source}.map"

    def check(self, **kwargs):
        errors = []
        if not self.root.is_dir():
            errors.append(
                Error(f"{self.root} is missing: run `npm ci` (the setup scripts do).", id="houqin.E001")
            )
        return errors

    def find(self, path, find_all=False, **kwargs):
        source = self.files.get(path)
        if source is None:
            return [] if find_all else None
        full = str(self.root / source)
        return [full] if find_all else full

    def list(self, ignore_patterns):
        for target, source in self.files.items():
            full = self.root / source
            if full.exists():
                yield target, _SingleFileStorage(full, target)


class _SingleFileStorage(FileSystemStorage):
    """Maps one logical static path onto one file in node_modules."""

    def __init__(self, full_path, target):
        super().__init__(location=str(full_path.parent))
        self._full = full_path
        self._target = target

    def path(self, name):
        return str(self._full)
