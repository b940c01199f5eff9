"""Case-level safety warnings shown at the top of every report."""

from nelm.knowledge.rulebook import cite, rule, warning


@rule("SAFE-PD-IAT", recommendation="After pancreaticoduodenectomy, IAT carries a risk of sepsis (liver abscess).",
      cites=[cite("chan2018", "Resection of primary tumors")])
def pancreaticoduodenectomy_and_iat(f):
    if f.case.prior_pancreaticoduodenectomy:
        return warning("Prior pancreaticoduodenectomy (bilio-enteric anastomosis): intra-arterial therapy carries a risk of sepsis and liver abscess.")
    return None


@rule("SAFE-CHD", recommendation="Carcinoid heart disease must be assessed, and treated, before liver surgery.",
      cites=[cite("esmo2020"), cite("chan2018")])
def carcinoid_heart(f):
    if f.case.carcinoid_heart_disease:
        return warning("Carcinoid heart disease: cardiac assessment and treatment before any liver surgery.")
    syndrome = f.case.functional_syndrome
    if syndrome is not None and syndrome.value == "carcinoid" and f.case.carcinoid_heart_disease is None:
        return warning("Carcinoid syndrome with carcinoid heart disease not recorded: assess the heart before liver surgery.")
    return None


@rule("SAFE-HIGH-GRADE", recommendation="High-grade tumours follow a different pathway (ENETS 2016 high-grade guideline); every decision after MDT discussion.",
      cites=[cite("enets2016_hg"), cite("esmo2020")])
def high_grade_pathway(f):
    if f.category == "NEC":
        return warning("Neuroendocrine carcinoma: high-grade pathway, chemotherapy first line; surgery of metastases is contraindicated.")
    if f.grade == "G3" and f.category == "NET":
        return warning("NET G3: high-grade pathway; any surgery only for selected patients after MDT discussion.")
    return None
