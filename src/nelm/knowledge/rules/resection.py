"""Liver resection with curative intent (review; ENETS 2016; ESMO 2020; Frilling pattern types)."""

from nelm.knowledge.rulebook import Modality, Status, cap, cite, exclude, note, rule, support

M = Modality


@rule("RES-G1G2-FIRST", modalities=[M.curative_resection],
      recommendation="Surgery with curative intent should always be considered first in G1 and G2 NET, even with liver and/or lymph-node metastases.",
      cites=[cite("enets2016"), cite("chan2018", "Liver resection")])
def resection_first_in_g1_g2(f):
    grade, category = f.need("grade", "category")
    if category == "NET" and grade in {"G1", "G2"}:
        return support(Status.recommended, f"NET {grade}: liver resection with curative intent is the first option to consider.", grade=grade)
    return None


@rule("RES-R0", modalities=[M.curative_resection],
      recommendation="Curative-intent resection requires that R0 resection is achievable.",
      cites=[cite("esmo2020", "general conditions")])
def r0_achievable(f):
    if f.need("liver.r0_achievable") is False:
        return exclude(Status.not_recommended, "R0 resection is not achievable: curative resection is not possible (see resection plus ablation, debulking).", r0_achievable=False)
    return None


@rule("RES-PATTERN", modalities=[M.curative_resection],
      recommendation="Type I (single metastasis) suits resection; types II and III suit ablation and non-surgical therapy; a rough guide only.",
      cites=[cite("frilling2009"), cite("chan2018", "Liver resection")], gating=False)
def pattern_guides_resection(f):
    pattern = f.need("pattern")
    if pattern == "I":
        return note("Pattern type I (single metastasis): suits resection.", pattern="I")
    if pattern == "III":
        return cap("Pattern type III (disseminated): suits ablation and non-surgical therapy better; resection only if R0 is truly achievable.", pattern="III")
    return note("Pattern type II: resection may be combined with ablation.", pattern="II")


@rule("RES-NO-ADJUVANT", modalities=[M.curative_resection],
      recommendation="No adjuvant therapy after resection of NET G1/G2; adjuvant streptozotocin-5-FU gave no better PFS than observation (52 patients).",
      cites=[cite("esmo2020", "[IV,A]"), cite("adjuvant_stz")], gating=False)
def no_adjuvant_therapy(f):
    if f.grade in {"G1", "G2"} and f.category == "NET":
        return note("After resection of NET G1/G2 no adjuvant therapy is recommended.")
    return None


@rule("RES-RECURRENT", modalities=[M.curative_resection, M.ablation],
      recommendation="There is no clear answer for recurrent disease; ablation is particularly useful when resection becomes limited after multiple operations.",
      cites=[cite("chan2018", "Local ablative therapies; Conclusions"), cite("zhang")], gating=False)
def recurrent_disease(f):
    if f.case.recurrent_after_resection or (f.case.prior_liver_resections or 0) > 0:
        return note("Recurrent disease after liver resection: evidence is limited; repeat resection or ablation, decided by the MDT.", recurrent=True)
    return None


@rule("RES-PROGNOSIS", modalities=[M.curative_resection], gating=False,
      recommendation="Prognostic factors after resection: curative intent and functional tumours favour survival; extrahepatic disease, Ki-67 and poor differentiation worsen it; primary site is controversial (small bowel HR 0.5 for death; no pancreatic vs non-pancreatic difference after matching).",
      cites=[cite("yuan2016"), cite("fairweather"), cite("spolverato")])
def prognostic_factors(f):
    site = f.case.primary.site.value if f.case.primary.site else None
    parts = []
    if f.functioning:
        parts.append("functioning tumour (favourable)")
    if f.extrahepatic:
        parts.append("extrahepatic disease (unfavourable)")
    if site == "small_intestine":
        parts.append("small-bowel primary (HR 0.5 for death in Fairweather et al.; disputed)")
    if not parts:
        return None
    return note("Prognostic factors present: " + "; ".join(parts) + ".")


@rule("RES-G3-NET", modalities=[M.curative_resection],
      recommendation="NET G3 is not excluded a priori from resection (ESMO 2020): selected patients after MDT discussion, better OS with Ki-67 21-54 % (Galleberg); ENETS 2016 does not recommend resection of high-grade metastases. Site setting g3_net_resection.",
      cites=[cite("esmo2020"), cite("galleberg2017"), cite("du"), cite("enets2016_hg")])
def g3_net_resection(f):
    grade, category = f.need("grade", "category")
    if not (category == "NET" and grade == "G3"):
        return None
    if f.p.g3_net_resection.value == "not_recommended":
        return exclude(Status.not_recommended, "NET G3: resection of metastases not recommended (ENETS 2016 high-grade guideline; site protocol). ESMO 2020 and Galleberg et al. differ.", cite("enets2016_hg"))
    ki67 = f.need("pathology.ki67_percent")
    upper = f.p.g3_net_resection_ki67_max_percent
    if ki67 > upper:
        return exclude(Status.not_recommended, f"NET G3 with Ki-67 {ki67:g} % (> {upper:g} %): outside the group that benefited from resection (Galleberg: Ki-67 21-54 %).", cite("galleberg2017"), cite("enets2016_hg"), ki67_percent=ki67)
    return support(Status.consider, f"NET G3 with Ki-67 {ki67:g} % (21-{upper:g} %): resection for selected patients after MDT discussion (ESMO 2020; Galleberg 5-year OS 43 %). ENETS 2016 does not recommend it.", cite("esmo2020"), cite("galleberg2017"), cite("enets2016_hg"), ki67_percent=ki67)


@rule("RPA-INDICATION", modalities=[M.resection_plus_ablation],
      recommendation="Type II disease (isolated bulk with smaller deposits) may be amenable to resection combined with ablation to maximise tumour clearance; complete ablation is hard above 3 cm and unsuitable above 5 cm.",
      cites=[cite("chan2018", "Liver resection; Local ablative therapies"), cite("taner2013"), cite("frilling2009")])
def resection_plus_ablation(f):
    grade, category = f.need("grade", "category")
    if category != "NET" or grade not in {"G1", "G2"}:
        return None  # high-grade pathway rules decide
    count = f.need("lesion_count")
    if count == 1:
        return exclude(Status.not_recommended, "Single metastasis: resection alone (or ablation alone) suffices.", lesion_count=1)
    deposits_count = count - 1  # the main bulk is resected, the smaller deposits ablated
    if deposits_count > f.p.ablation_max_lesions:
        return exclude(Status.not_recommended, f"{deposits_count} deposits besides the main lesion: more than can be ablated (at most {f.p.ablation_max_lesions}).", lesion_count=count)
    sizes = f.sizes_mm
    if sizes is not None:
        main, largest_deposit = sizes[0], max(sizes[1:])
        described = f"Main lesion {main:g} mm to resect with {deposits_count} smaller deposit(s) up to {largest_deposit:g} mm to ablate"
    elif f.need("largest_lesion_mm") <= f.p.ablation_complete_max_mm:
        largest_deposit = f.largest_lesion_mm  # every lesion is this size or smaller
        described = f"{count} lesions, none above {largest_deposit:g} mm: resect the bulk, ablate the deposits"
    else:
        f.need("liver.lesions")  # which lesions are small enough to ablate depends on every size
    if largest_deposit > f.p.ablation_unsuitable_above_mm:
        return exclude(Status.not_recommended, f"A deposit besides the main bulk measures {largest_deposit:g} mm (> {f.p.ablation_unsuitable_above_mm:g} mm): unsuitable for ablation.", largest_deposit_mm=largest_deposit)
    findings = [support(Status.consider, f"{described} (Taner: 5/10-year OS 80/59 %).", largest_deposit_mm=largest_deposit)]
    if largest_deposit > f.p.ablation_complete_max_mm:
        findings.append(cap(f"A deposit of {largest_deposit:g} mm exceeds {f.p.ablation_complete_max_mm:g} mm: complete ablation is hard.", largest_deposit_mm=largest_deposit))
    return findings
