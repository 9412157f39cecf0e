"""The REST API's token scheme in the schema (registered when board/api_urls.py
imports it). Authentication, throttles and pagination are in
board/api_machinery.py; each app's endpoints in its own api.py.

Every API view follows the web pages: it reads through the same permission-aware
selectors (a 404 for what the person may not see) and writes through the same
services; serializers only validate input and render output.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object

# --- Schema ----------------------------------------------------------------------------


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "board.api_machinery.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        scheme = build_bearer_security_scheme_object(
            header_name="Authorization",
            token_prefix="Token",  # noqa: S106 (the header's scheme word, not a secret)
        )
        scheme["description"] = str(
            _("A personal API token from your settings page, as `Authorization: Token <token>`.")
        )
        return scheme
