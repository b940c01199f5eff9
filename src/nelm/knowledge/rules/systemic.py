"""Systemic therapy: somatostatin analogues, PRRT, targeted therapy, chemotherapy (ESMO 2020; trials named)."""

from nelm.knowledge.anatomy import GASTROINTESTINAL
from nelm.knowledge.rulebook import Missing, Modality, Status, cite, exclude, note, rule, support

M = Modality
SYSTEMIC = [M.somatostatin_analogue, M.prrt, M.targeted_therapy, M.chemotherapy]


def _sstr(f):
    value = f.need("sstr_imaging")
    if value == "unknown":  # as good as absent: ask for the imaging
        raise Missing(["sstr_imaging"])
    return value


# -- somatostatin analogues -------------------------------------------------------------------------
@rule("SSA-SYNDROME", modalities=[M.somatostatin_analogue], recommendation="Somatostatin analogues control carcinoid syndrome.",
      cites=[cite("esmo2020")])
def ssa_for_syndrome(f):
    if f.case.functional_syndrome is not None and f.case.functional_syndrome.value == "carcinoid":
        return support(Status.recommended, "Carcinoid syndrome: somatostatin analogue for symptom control.")
    return None


@rule("SSA-ANTIPROLIFERATIVE", modalities=[M.somatostatin_analogue],
      recommendation="Somatostatin analogues for SSTR-positive G1/G2 NET up to Ki-67 10 % (PROMID, CLARINET; CLARINET included liver burden > 25 %).",
      cites=[cite("esmo2020", "[I,A]"), cite("promid"), cite("clarinet")])
def ssa_antiproliferative(f):
    carcinoid = f.case.functional_syndrome is not None and f.case.functional_syndrome.value == "carcinoid"
    grade, category = f.need("grade", "category")
    if category == "NEC" or grade == "G3":
        return None if carcinoid else exclude(Status.not_recommended, f"{category} {grade}: somatostatin analogues are for G1/G2 NET.")
    ki67 = f.need("pathology.ki67_percent")
    limit = f.p.ssa_max_ki67_percent
    if ki67 > limit:
        return None if carcinoid else exclude(Status.not_recommended, f"Ki-67 {ki67:g} % (> {limit:g} %): above the range of the antiproliferative evidence.", ki67_percent=ki67)
    sstr = _sstr(f)
    if sstr == "negative":
        return None if carcinoid else exclude(Status.not_recommended, "SSTR imaging negative.", sstr_imaging="negative")
    return support(Status.recommended, f"SSTR-positive NET {grade} with Ki-67 {ki67:g} % (≤ {limit:g} %): antiproliferative somatostatin analogue.", ki67_percent=ki67)


@rule("SSA-WATCH-AND-WAIT", modalities=[M.somatostatin_analogue], gating=False,
      recommendation="Watch and wait is an option for G1 and/or low burden (< 10 % of liver), no extra-abdominal disease, stable disease.",
      cites=[cite("esmo2020")])
def watch_and_wait(f):
    burden = f.case.liver.tumour_burden_percent
    low = f.grade == "G1" or (burden is not None and burden < f.p.watch_and_wait_burden_below_percent)
    stable = f.case.disease_course.progressing is False
    if low and stable and f.extra_abdominal is False and f.category == "NET":
        return note("Watch and wait is an alternative (G1 or low burden, stable, no extra-abdominal disease).")
    return None


# -- PRRT ---------------------------------------------------------------------------------------------
@rule("PRRT-SSTR", modalities=[M.prrt], recommendation="PRRT needs SSTR-positive disease.", cites=[cite("esmo2020"), cite("netter1")])
def prrt_needs_sstr(f):
    if _sstr(f) == "negative":
        return exclude(Status.not_recommended, "SSTR imaging negative: PRRT cannot target the tumour.", sstr_imaging="negative")
    return None


@rule("PRRT-PROGRESSIVE", modalities=[M.prrt],
      recommendation="PRRT for SSTR-positive, progressive G1/G2 NET (NETTER-1: PFS 28.4 vs 8.5 months): midgut after SSA progression [I,A]; pancreatic after targeted therapy or chemotherapy [III,A].",
      cites=[cite("esmo2020"), cite("netter1")])
def prrt_progressive(f):
    grade, category = f.need("grade", "category")
    if category == "NEC" or grade == "G3":
        return None  # high-grade rule decides
    if not f.need("disease_course.progressing"):
        return exclude(Status.not_recommended, "Disease not progressing: PRRT is for progressive disease.", progressing=False)
    site = f.need("primary.site")
    prior = {t.value for t in (f.case.prior_systemic_therapies or [])}
    if site == "small_intestine":
        if "somatostatin_analogue" in prior:
            return support(Status.recommended, "Progressive midgut NET after somatostatin analogue: PRRT (ESMO 2020 [I,A]; NETTER-1).", cite("esmo2020", "[I,A]"), cite("netter1"))
        return support(Status.consider, "Progressive midgut NET: PRRT is second line, after somatostatin analogue progression.", cite("esmo2020", "[I,A]"), cite("netter1"))
    if site == "pancreas":
        if prior & {"targeted_therapy", "chemotherapy"}:
            return support(Status.recommended, "Progressive pancreatic NET after targeted therapy or chemotherapy: PRRT (ESMO 2020 [III,A]).", cite("esmo2020", "[III,A]"))
        return support(Status.consider, "Progressive pancreatic NET: PRRT after targeted therapy or chemotherapy.", cite("esmo2020", "[III,A]"))
    return support(Status.consider, "Progressive SSTR-positive NET: PRRT is an option.")


@rule("PRRT-DOWNSTAGING", modalities=[M.prrt], gating=False,
      recommendation="PRRT may down-stage unresectable NELM (case reports, small series); with radiosensitising chemotherapy promising; weak evidence, use with caution.",
      cites=[cite("chan2018", "Role of neoadjuvant or adjuvant treatment")])
def prrt_downstaging(f):
    if f.need("liver.r0_achievable") is False:
        return note("Neoadjuvant intent: PRRT may down-stage unresectable NELM, but the evidence is weak (use with caution).")
    return None


# -- targeted therapy ---------------------------------------------------------------------------------
@rule("TT-INDICATION", modalities=[M.targeted_therapy],
      recommendation="Everolimus for progressive G1/G2 pancreatic, GI and lung NET (RADIANT-3/4); sunitinib for pancreatic NET only.",
      cites=[cite("esmo2020"), cite("radiant"), cite("sunitinib_pnet")])
def targeted(f):
    grade, category = f.need("grade", "category")
    if category == "NEC" or grade == "G3":
        return exclude(Status.not_recommended, f"{category} {grade}: the targeted-therapy evidence is for G1/G2 NET.")
    if not f.need("disease_course.progressing"):
        return exclude(Status.not_recommended, "Disease not progressing: targeted therapy is for progressive disease.", progressing=False)
    site = f.need("primary.site")
    if site == "pancreas":
        return support(Status.consider, "Progressive pancreatic NET G1/G2: everolimus or sunitinib.")
    if site in GASTROINTESTINAL or site == "lung":
        return support(Status.consider, f"Progressive {site.replace('_', ' ')} NET G1/G2: everolimus (sunitinib is for pancreatic NET only).", cite("radiant"))
    return exclude(Status.not_recommended, f"Primary site {site}: the cited targeted-therapy evidence covers pancreatic, GI and lung primaries.")


# -- chemotherapy -------------------------------------------------------------------------------------
@rule("CHEMO-NEC", modalities=[M.chemotherapy], recommendation="Platinum-etoposide is first line for NEC.",
      cites=[cite("esmo2020", "[III,A]"), cite("enets2016_hg")])
def chemo_for_nec(f):
    if f.need("category") == "NEC":
        return support(Status.recommended, "NEC: platinum-etoposide chemotherapy first line.")
    return None


@rule("CHEMO-NET-G3", modalities=[M.chemotherapy],
      recommendation="High-grade tumours: chemotherapy first line (ENETS 2016); platinum-etoposide not for NET G3 [IV,C].",
      cites=[cite("enets2016_hg"), cite("esmo2020", "[IV,C]")])
def chemo_for_net_g3(f):
    grade, category = f.need("grade", "category")
    if category == "NET" and grade == "G3":
        return support(Status.consider, "NET G3: chemotherapy (not platinum-etoposide, which is for NEC).")
    return None


@rule("CHEMO-PNET", modalities=[M.chemotherapy],
      recommendation="Streptozotocin/5-FU or capecitabine-temozolomide for pancreatic G1/G2 NET that is progressive, bulky or symptomatic.",
      cites=[cite("esmo2020", "[II,A]")])
def chemo_for_pancreatic_net(f):
    grade, category = f.need("grade", "category")
    if category != "NET" or grade == "G3" or f.need("primary.site") != "pancreas":
        return None
    progressing, symptomatic = f.need("disease_course.progressing", "symptomatic")
    if progressing or symptomatic:
        why = "progressive" if progressing else "symptomatic"
        return support(Status.recommended, f"Pancreatic NET {grade}, {why}: streptozotocin/5-FU or capecitabine-temozolomide.")
    return note("Pancreatic NET, stable and asymptomatic: chemotherapy only if the disease is bulky (the board judges bulk).")


@rule("CHEMO-GI-NET", modalities=[M.chemotherapy],
      recommendation="Chemotherapy is not for G1/G2 GI NET, except Ki-67 15-20 % or fast progression.",
      cites=[cite("esmo2020")])
def chemo_for_gi_net(f):
    grade, category = f.need("grade", "category")
    if category != "NET" or grade == "G3" or f.need("primary.site") not in GASTROINTESTINAL:
        return None
    ki67 = f.need("pathology.ki67_percent")
    if ki67 >= f.p.gi_chemotherapy_min_ki67_percent or f.case.disease_course.rapid_progression:
        why = f"Ki-67 {ki67:g} %" if ki67 >= f.p.gi_chemotherapy_min_ki67_percent else "fast progression"
        return support(Status.consider, f"GI NET {grade} with {why}: chemotherapy may be considered.", ki67_percent=ki67)
    return exclude(Status.not_recommended, f"GI NET {grade} with Ki-67 {ki67:g} % and no fast progression: chemotherapy not indicated.", ki67_percent=ki67)
