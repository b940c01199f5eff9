"""Anatomical groupings the rules rely on."""

# Primary sites drained by the portal system (pancreas, gut from distal stomach to sigmoid colon): the
# transplant criterion of ESMO 2020 and Milan-NET. Rectum and lung drain systemically.
PORTAL_DRAINED = frozenset({"pancreas", "small_intestine", "stomach", "duodenum", "appendix", "colon"})
GASTROINTESTINAL = frozenset({"small_intestine", "stomach", "duodenum", "appendix", "colon", "rectum"})

# Site names (as written in extrahepatic_disease.sites) known to lie outside / inside the abdomen.
EXTRA_ABDOMINAL_SITES = frozenset({"lung", "bone", "brain", "mediastinum", "mediastinal_nodes", "pleura", "breast", "skin", "supraclavicular_nodes", "thoracic_nodes", "cervical_nodes", "orbit"})
ABDOMINAL_SITES = frozenset({"regional_nodes", "lymph_nodes_regional", "abdominal_nodes", "retroperitoneal_nodes", "peritoneum", "mesentery", "ovary", "adrenal", "spleen"})

LEFT_LOBE_SEGMENTS = frozenset({2, 3, 4})
RIGHT_LOBE_SEGMENTS = frozenset({5, 6, 7, 8})  # segment 1 (caudate) belongs to neither for lobe checks
