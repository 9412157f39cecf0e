"""Static files storage: WhiteNoise's compressed, hashed (manifest) storage, but a
page still renders when the manifest is missing (collectstatic not run, or run
into another directory).

Django's manifest storage raises ValueError from `{% static %}` for a name it
cannot find in the manifest, so every page, the 404 and 500 pages included,
fails and the person sees a bare "A server error occurred". Here the page gets
the plain, unhashed URL instead (WhiteNoise or the web server may still serve
it; at worst the page is unstyled), and the mistake is logged as an error once
per file so the deploy can be fixed.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.files.storage import FileSystemStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage

logger = logging.getLogger(__name__)


class StaticStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reported: set[str] = set()

    def url(self, name: str | None, force: bool = False) -> str:
        try:
            return super().url(name, force)
        except ValueError:
            if name not in self._reported:
                self._reported.add(name or "")
                logger.error(
                    "Static file %r is not in the manifest: has collectstatic run "
                    "into STATIC_ROOT? Using its unhashed URL.",
                    name,
                )
            return FileSystemStorage.url(self, name)
