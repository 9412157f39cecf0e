"""The API's scene: the asker's anonymous request, the helper's pending offer on it
with a message from each side, a notification and an API token for the asker."""

import pytest

from tests.support.api import Scene, build_scene


@pytest.fixture
def scene(asker, helper, outsider) -> Scene:
    return build_scene(asker, helper, outsider)
