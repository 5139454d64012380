"""Which static files a browser may keep for ever (WhiteNoise's immutable test).

Production serves collected files under hashed names (name.<12 hex>.ext, ManifestStaticFilesStorage):
a changed file gets a new name, so each may be cached for ever. The embedded mode serves the
source folders without a collect step, so names are not hashed; but every vendored library sits
in a folder named with its version (static/vendor/bootstrap-5.3.9/): an upgrade is a new address,
so those too are cached for ever. Our own few files (css/hms.css, js/hms.js) keep WhiteNoise's
short max-age and are revalidated (304) after it.
"""

import re

VERSIONED_VENDOR = re.compile(r"/vendor/[^/]+-\d+(?:\.\d+)+/")
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")


def immutable_file(path: str, url: str) -> bool:
    """settings.WHITENOISE_IMMUTABLE_FILE_TEST: a hashed name or a versioned vendor folder."""
    return bool(HASHED_NAME.search(url) or VERSIONED_VENDOR.search(url))
