"""Pages of the situation module: the figures (entry grid, import, history, export), the
indicators, the bulletins (draft, approval, files, deliveries) and the public archive."""

from .bulletins import (
    bulletin_act,
    bulletin_detail,
    bulletin_edit,
    bulletin_file,
    bulletin_list,
    bulletin_today,
    delivery_resend,
)
from .entry import confirm, entry, export_figures, history, home, indicator_edit, indicator_list
from .imports import import_figures
from .public import BulletinFeed, public_detail, public_figures, public_file, public_list

__all__ = [
    "BulletinFeed",
    "bulletin_act",
    "bulletin_detail",
    "bulletin_edit",
    "bulletin_file",
    "bulletin_list",
    "bulletin_today",
    "confirm",
    "delivery_resend",
    "entry",
    "export_figures",
    "history",
    "home",
    "import_figures",
    "indicator_edit",
    "indicator_list",
    "public_detail",
    "public_figures",
    "public_file",
    "public_list",
]
