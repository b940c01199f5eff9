"""Every source a rule or figure may cite. Wording follows the review and the clinical brief.

`ref` is the reference number in Chan et al. 2018 where the review cites the work, so a reader can find it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    id: str
    short: str  # how a report names it in one breath
    citation: str
    ref: int | None = None  # reference number in the review

    def label(self) -> str:
        return self.citation if self.ref is None else f"{self.citation} (review ref. {self.ref})"


_ALL = [
    Source("chan2018", "Chan 2018 review", "Chan et al. Surgical management of NET-associated liver metastases (review). Gland Surg 2018;7(1):28-35"),
    Source("who2019", "WHO 2019", "WHO Classification of Tumours, Digestive System Tumours, 5th ed., 2019 (digestive NEN grading)"),
    Source("who2017", "WHO 2017", "WHO Classification of Tumours of Endocrine Organs, 2017 (pancreatic NEN grading)"),
    Source("enets2016", "ENETS 2016", "Pavel M, et al. ENETS Consensus Guidelines Update for the Management of Distant Metastatic Disease. Neuroendocrinology 2016;103:172-185", 9),
    Source("enets2016_hg", "ENETS 2016 high-grade", "Garcia-Carbonero R, et al. ENETS Consensus Guidelines for High-Grade Gastroenteropancreatic Neuroendocrine Tumors and Neuroendocrine Carcinomas. Neuroendocrinology 2016", 35),
    Source("esmo2020", "ESMO 2020", "Pavel M, et al. Gastroenteropancreatic neuroendocrine neoplasms: ESMO Clinical Practice Guidelines. Ann Oncol 2020;31:844-860"),
    Source("enets2024_si", "ENETS 2024", "Lamarca A, et al. ENETS 2024 guidance for small-intestinal NET (ablation: preferably at most 3-5 lesions, each < 3 cm)"),
    Source("nccn", "NCCN", "NCCN Guidelines, Neuroendocrine and Adrenal Tumors", 38),
    Source("kawaguchi2019", "Kawaguchi 2019", "Kawaguchi Y, Lillemoe HA, Vauthey JN. J Surg Oncol 2019;119:594-603 (future liver remnant thresholds)"),
    Source("frilling2009", "Frilling", "Frilling, et al. (pattern of liver metastases, types I-III)", 22),
    Source("saxena2012", "Saxena", "Saxena, et al. Systematic review of liver resection for NELM, 29 studies", 15),
    Source("zhang", "Zhang", "Zhang, et al. Recurrence after curative-intent resection of NELM (481 patients)", 19),
    Source("yuan2016", "Yuan", "Yuan, et al. Meta-analysis of liver resection versus non-surgical treatment", 23),
    Source("mayo2010", "Mayo", "Mayo, et al. Surgery versus intra-arterial therapy for NELM: propensity-matched multicentre analysis (753 patients)", 31),
    Source("fairweather", "Fairweather", "Fairweather, et al. Population series of over 600 patients with NELM", 24),
    Source("ruzzenente", "Ruzzenente", "Ruzzenente, et al. Nomogram for OS after resection of NELM", 25),
    Source("spolverato", "Spolverato", "Spolverato, et al. Pancreatic vs non-pancreatic NET after propensity matching", 26),
    Source("osborne2006", "Osborne", "Osborne, et al. Debulking surgery with ablation vs embolisation", 30),
    Source("galleberg2017", "Galleberg", "Galleberg, et al. Curative-intent resection of high-grade NELM (32 patients)", 36),
    Source("du", "Du", "Du, et al. Resection of G3 NELM (7 resected, 9 non-surgical)", 37),
    Source("bettini", "Bettini", "Bettini, et al. Primary tumour resection with unresectable liver metastases", 40),
    Source("bertani", "Bertani", "Bertani, et al. Survival benefit of primary resection in metastatic NET", 41),
    Source("citterio", "Citterio", "Citterio, et al. Primary tumour resection in metastatic small-intestinal NET", 44),
    Source("mazzaglia2007", "Mazzaglia", "Mazzaglia, et al. Radiofrequency ablation of NELM (63 patients)", 45),
    Source("taner2013", "Taner", "Taner, et al. RFA combined with resection for NELM", 46),
    Source("milan_net", "Milan-NET", "Mazzaferro, et al. Milan-NET criteria for liver transplantation (2007)", 48),
    Source("mazzaferro2016", "Mazzaferro 2016", "Mazzaferro, et al. Am J Transplant 2016 (88 Milan-NET eligible patients, LT vs not)", 48),
    Source("fan2015", "Fan", "Fan, et al. Review of liver transplantation for NELM", 57),
    Source("adjuvant_stz", "adjuvant STZ-5-FU cohort", "Retrospective cohort of 52 patients, adjuvant streptozotocin-5-FU vs observation", 67),
    Source("promid", "PROMID", "PROMID trial (octreotide LAR in midgut NET)"),
    Source("clarinet", "CLARINET", "CLARINET trial (lanreotide; included liver burden > 25 %)"),
    Source("netter1", "NETTER-1", "NETTER-1 trial (177Lu-DOTATATE in midgut NET: PFS 28.4 vs 8.5 months)"),
    Source("radiant", "RADIANT-3/4", "RADIANT-3 and RADIANT-4 trials (everolimus)"),
    Source("sunitinib_pnet", "sunitinib pNET trial", "Sunitinib phase III trial in pancreatic NET"),
]

SOURCES: dict[str, Source] = {source.id: source for source in _ALL}
