"""The G3 pathway (ENETS 2016 high-grade guideline; ESMO 2020; Galleberg; Du)."""

from nelm.knowledge.rulebook import Modality, Status, cap, cite, exclude, rule, support

M = Modality


@rule("G3-LOCAL-THERAPY", modalities=[M.ablation, M.resection_plus_ablation, M.debulking],
      recommendation="ENETS: resection and ablation of metastases are not recommended for high-grade neoplasms; chemotherapy first line.",
      cites=[cite("enets2016_hg"), cite("chan2018", "Resection of grade 3 (G3) tumors")])
def no_local_therapy_in_g3(f):
    grade, category = f.need("grade", "category")
    if grade == "G3" and category == "NET":
        return exclude(Status.not_recommended, "NET G3: ablation and non-curative liver surgery are not recommended (ENETS 2016).")
    if category == "NEC":
        return exclude(Status.not_recommended, "NEC: local therapy of metastases is not recommended; chemotherapy first line.")
    return None


@rule("G3-PRRT", modalities=[M.prrt], recommendation="PRRT and radiotherapy may be considered in individual high-grade patients.",
      cites=[cite("enets2016_hg")])
def prrt_in_individual_g3(f):
    grade, category = f.need("grade", "category")
    if grade != "G3":
        return None
    return [support(Status.consider, f"{category} G3 with SSTR-positive disease: PRRT in individual patients (ENETS 2016)."),
            cap("High-grade disease: PRRT only for individual patients after MDT discussion.")]
