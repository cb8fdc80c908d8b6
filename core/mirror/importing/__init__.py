"""Importers: each streams its file, runs in one transaction and is idempotent."""

from core.mirror.importing.common import ImportCancelled, ImportFailed, ImportReport
from core.mirror.importing.orders import import_bill, import_vk_orders
from core.mirror.importing.pushes import import_pushes
from core.mirror.importing.session_keys import import_session_keys

__all__ = [
    "ImportCancelled",
    "ImportFailed",
    "ImportReport",
    "import_bill",
    "import_pushes",
    "import_session_keys",
    "import_vk_orders",
]
