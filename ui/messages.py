"""What a visitor may read of an error: the core's messages name files by their server paths, the pages do not.

`public(exc)` rewrites the model store's folder to `models/` (so "…/models/x/model.keras is damaged" reads
"models/x/model.keras is damaged"), the data cache's folder to `<data cache>` and any other absolute path to
`…/` and its last part. The server's log keeps the full paths.
"""

from __future__ import annotations

import re

from vae_core import store
from vae_core.data import cache_dir

# an absolute path's folders: a "/" that starts a word (not inside "a/b" or a URL's "//"), then "name/" parts
_FOLDERS = re.compile(r"(?<![\w:/.~>-])/(?:[^\s/'\"(),;:]+/)+")


def _roots() -> list[tuple[str, str]]:
    pairs = []
    for folder, shown in ((store.models_root(), "models"), (cache_dir(), "<data cache>")):
        for form in {str(folder.resolve()), str(folder)}:
            pairs.append((form.rstrip("/"), shown))
    return sorted(pairs, key=lambda pair: -len(pair[0]))  # the longest first: a folder inside another


def public(error: BaseException | str) -> str:
    """The message of `error` with no server path in it."""
    text = str(error)
    for folder, shown in _roots():
        text = re.sub(re.escape(folder) + r"(?![\w.-])", shown, text)
    return _FOLDERS.sub("…/", text)
