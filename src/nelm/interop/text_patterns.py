"""Concepts recognised by their words where no verified code exists (or the sender sent only text).

Every match is reported as 'recognised by its text', so a reader can check it.
"""

from __future__ import annotations

import re
from functools import lru_cache

NEUROENDOCRINE = re.compile(r"neuro-?endocrine|carcinoid|\bNET\b|\bNEC\b|\bNEN\b|insulinoma|gastrinoma|glucagonoma|vipoma|islet cell", re.I)
SECONDARY = re.compile(r"secondary|metasta", re.I)
LIVER = re.compile(r"\bliver\b|hepat(?!o-?pancrea)", re.I)
WELL_DIFFERENTIATED = re.compile(r"well[- ]differentiated", re.I)
POORLY_DIFFERENTIATED = re.compile(r"poorly[- ]differentiated|small[- ]cell|large[- ]cell", re.I)

# Organ words -> case primary.site (order matters: duodenum before small intestine, appendix before colon).
ORGANS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("pancreas", re.compile(r"pancrea", re.I)),
    ("duodenum", re.compile(r"duoden", re.I)),
    ("small_intestine", re.compile(r"\bile(um|al)\b|jejun|small (bowel|intestin)|midgut", re.I)),
    ("appendix", re.compile(r"appendi", re.I)),
    ("rectum", re.compile(r"\brect(um|al)\b|proctectomy", re.I)),
    ("colon", re.compile(r"\bcolon|colic\b|colectomy|caec|cec(um|al)\b", re.I)),
    ("stomach", re.compile(r"stomach|gastr(ic|ectomy)", re.I)),
    ("lung", re.compile(r"\blung|bronch|pulmonary|pneumonectomy", re.I)),
    ("liver", re.compile(r"\bliver\b|hepatectomy|hepatic (resection|segmentectomy)|segmentectomy|metastasectomy", re.I)),
)

RESECTION = re.compile(r"resection|excision|ectomy|whipple", re.I)
PANCREATICODUODENECTOMY = re.compile(r"pancreat(ic)?o-?duodenectomy|whipple", re.I)

# International non-proprietary names -> case prior_systemic_therapies.
DRUGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("somatostatin_analogue", re.compile(r"octreotide|lanreotide|pasireotide", re.I)),
    ("prrt", re.compile(r"lutetium|177\s*-?lu|lu\s*-?177|dotatate|dotatoc|prrt", re.I)),
    ("targeted_therapy", re.compile(r"everolimus|sunitinib|cabozantinib", re.I)),
    ("chemotherapy", re.compile(r"streptozo(to)?cin|capecitabine|temozolomide|fluorouracil|\b5-?fu\b|cisplatin|carboplatin|etoposide|oxaliplatin|doxorubicin", re.I)),
)


@lru_cache(maxsize=4096)  # pure, and records repeat the same few phrases
def organ_of(text: str) -> str | None:
    return next((organ for organ, pattern in ORGANS if pattern.search(text)), None)


@lru_cache(maxsize=4096)
def therapy_of(text: str) -> str | None:
    return next((name for name, pattern in DRUGS if pattern.search(text)), None)
