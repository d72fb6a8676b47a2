"""Protocol packs: the study protocol as versioned data under ``rules/``."""

from protocol.packs.loader import PackError, available_packs, load_pack, load_pack_folder
from protocol.packs.model import Outcome, Pack, Parameter, Rule

__all__ = [
    "Outcome",
    "Pack",
    "PackError",
    "Parameter",
    "Rule",
    "available_packs",
    "load_pack",
    "load_pack_folder",
]
