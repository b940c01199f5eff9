"""Every code the FHIR mapping reads or writes, grouped by code system.

Only codes checked against their source are listed (mCODE STU value sets and profiles, LOINC, the
ICD-10-CM and ICD-O-3 tabular lists); where no verified code exists the importer recognises the
concept by its text instead (see fhir_values.py), and the import report says so.
"""

from __future__ import annotations

# --- Code system URIs (FHIR R4 terminology) ---------------------------------------------------------
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
UCUM = "http://unitsofmeasure.org"

# nelm's own code systems for the export (URNs: nelm publishes no CodeSystem resources yet).
NELM_MODALITY = "urn:nelm:codesystem:modality"
NELM_STATUS = "urn:nelm:codesystem:option-status"
NELM_RULE = "urn:nelm:codesystem:rule"
NELM_REASON_EFFECT = "urn:nelm:codesystem:reason-effect"
NELM_CASE_FIELD = "urn:nelm:codesystem:case-field"
NELM_MODULE = "urn:nelm:module:nelm-assessment"

# --- mCODE profiles (canonical URLs, mCODE STU2-STU4) ------------------------------------------------
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
PROFILE_PRIMARY_CANCER = MCODE + "mcode-primary-cancer-condition"
PROFILE_SECONDARY_CANCER = MCODE + "mcode-secondary-cancer-condition"
PROFILE_TUMOR_SIZE = MCODE + "mcode-tumor-size"
PROFILE_SURGICAL_PROCEDURE = MCODE + "mcode-cancer-related-surgical-procedure"
EXT_HISTOLOGY = MCODE + "mcode-histology-morphology-behavior"

# --- LOINC observation codes --------------------------------------------------------------------------
LOINC_KI67 = "29593-1"  # Cells.Ki-67 nuclear Ag/cells in Tissue by Immune stain (%)
LOINC_ECOG = "89247-1"  # ECOG Performance Status score
LOINC_TUMOR_SIZE = "21889-1"  # Size Tumor (mCODE TumorSize: the dimensions are components)
LOINC_TUMOR_MAX_DIMENSION = "33728-7"  # Size.maximum dimension in Tumor
LOINC_DISEASE_STATUS = "97509-4"  # Cancer disease progression (mCODE CancerDiseaseStatus)

# LOINC answer list LL529-9 (ECOG): answer code -> grade. LA9627-6 (grade 5, dead) is not a case value.
LOINC_ECOG_ANSWERS = {"LA9622-7": 0, "LA9623-5": 1, "LA9624-3": 2, "LA9625-0": 3, "LA9626-8": 4}

# --- SNOMED CT ----------------------------------------------------------------------------------------
SNOMED_LIVER = "10200004"  # Liver structure (body structure)
SNOMED_LIVER_METASTASIS = "94381002"  # Secondary malignant neoplasm of liver (disorder)

# Body structures -> case primary.site
SNOMED_SITE = {
    "15776009": "pancreas",  # Pancreatic structure
    "30315005": "small_intestine",  # Small intestinal structure
    "34516001": "small_intestine",  # Ileal structure
    "21306003": "small_intestine",  # Jejunal structure
    "38848004": "duodenum",  # Duodenal structure
    "69695003": "stomach",  # Stomach structure
    "66754008": "appendix",  # Appendix structure
    "71854001": "colon",  # Colon structure
    "34402009": "rectum",  # Rectum structure
    "39607008": "lung",  # Lung structure
}

# Secondary malignant neoplasm (disorder) outside the liver -> extrahepatic site name (nelm.knowledge.anatomy)
SNOMED_SECONDARY_SITE = {
    "94222008": "bone",  # Secondary malignant neoplasm of bone
    "94391008": "lung",  # Secondary malignant neoplasm of lung
    "94225005": "brain",  # Secondary malignant neoplasm of brain
}

# Surgical procedures, from the mCODE CancerRelatedSurgicalProcedureVS (SNOMED CT).
SNOMED_PANCREATICODUODENECTOMY = {
    "69036001",  # Total pancreaticoduodenectomy
    "265459006",  # Pancreaticoduodenectomy with distal gastrectomy
}
SNOMED_RESECTION_OF = {  # procedure -> organ resected
    "69036001": "pancreas",
    "265459006": "pancreas",
    "287847009": "pancreas",  # Partial pancreatectomy
    "9524002": "pancreas",  # Total pancreatectomy
    "33149006": "pancreas",  # Pancreatectomy
    "43075005": "colon",  # Partial resection of colon
    "26390003": "colon",  # Total colectomy
    "307656000": "colon",  # Subtotal colectomy with ileosigmoid anastomosis
    "235364003": "rectum",  # Total proctectomy
    "49209004": "stomach",  # Subtotal gastrectomy
    "26452005": "stomach",  # Total gastrectomy
    "287816003": "stomach",  # Radical gastrectomy
    "359623004": "lung",  # Total lobectomy of lung
    "49795001": "lung",  # Total pneumonectomy
    "173170008": "lung",  # Bilobectomy of lung
    "174431000": "liver",  # Wedge resection of liver
    "85946004": "liver",  # Lobectomy of liver
    "15257006": "liver",  # Lobectomy of liver with partial excision of adjacent lobes
    "107963000": "liver",  # Liver excision
}

# mCODE ConditionStatusTrendVS (value of CancerDiseaseStatus) -> disease_course.progressing
SNOMED_DISEASE_TREND = {
    "271299001": True,  # Patient's condition worsened
    "359746009": False,  # Patient's condition stable
    "268910001": False,  # Patient's condition improved
    "260415000": False,  # Not detected
}

# --- ICD-10-CM ----------------------------------------------------------------------------------------
# Codes are compared without the dot. Longest matching prefix wins.
ICD10CM_LIVER_METASTASIS = {"C787", "C7B02"}  # Secondary malignant neoplasm of liver; secondary carcinoid tumours of liver
ICD10CM_NET_PREFIXES = ("C7A", "C254", "C7B0", "C7B8")  # malignant NET; endocrine pancreas; secondary carcinoid / other secondary NET
ICD10CM_POORLY_DIFFERENTIATED = "C7A1"  # Malignant poorly differentiated neuroendocrine tumours
ICD10CM_CARCINOID_SYNDROME = "E340"  # Carcinoid syndrome
ICD10CM_SITE = {
    "C7A010": "duodenum",
    "C7A011": "small_intestine",  # jejunum
    "C7A012": "small_intestine",  # ileum
    "C7A019": "small_intestine",
    "C7A020": "appendix",
    "C7A021": "colon",  # caecum
    "C7A022": "colon",
    "C7A023": "colon",
    "C7A024": "colon",
    "C7A025": "colon",  # sigmoid colon
    "C7A026": "rectum",
    "C7A029": "colon",  # large intestine, unspecified portion
    "C7A090": "lung",  # bronchus and lung
    "C7A091": "other",  # thymus
    "C7A092": "stomach",
    "C7A093": "other",  # kidney
    "C7A094": "unknown",  # foregut, unspecified
    "C7A095": "unknown",  # midgut, unspecified
    "C7A096": "unknown",  # hindgut, unspecified
    "C7A098": "other",
    "C7A00": "unknown",  # malignant carcinoid tumour of unspecified site
    "C170": "duodenum",
    "C171": "small_intestine",
    "C172": "small_intestine",
    "C173": "small_intestine",
    "C178": "small_intestine",
    "C179": "small_intestine",
    "C16": "stomach",
    "C181": "appendix",
    "C18": "colon",
    "C20": "rectum",
    "C25": "pancreas",
    "C34": "lung",
}
ICD10CM_SECONDARY_SITE = {  # secondary malignant neoplasm outside the liver -> extrahepatic site name
    "C7B01": "distant_nodes",  # secondary carcinoid tumours of distant lymph nodes
    "C7B03": "bone",
    "C7B04": "peritoneum",
    "C780": "lung",
    "C786": "peritoneum",  # retroperitoneum and peritoneum
    "C793": "brain",
    "C795": "bone",
    "C796": "ovary",
    "C797": "adrenal",
    "C770": "cervical_nodes",  # lymph nodes of head, face and neck
    "C771": "thoracic_nodes",  # intrathoracic lymph nodes
    "C772": "abdominal_nodes",  # intra-abdominal lymph nodes
}

# --- ICD-O-3 ------------------------------------------------------------------------------------------
# Topography (C-codes, dot removed) -> case primary.site; C22.0 is the liver.
ICDO3_LIVER = "C220"
ICDO3_SITE = {
    "C170": "duodenum",
    "C171": "small_intestine",
    "C172": "small_intestine",
    "C173": "small_intestine",
    "C178": "small_intestine",
    "C179": "small_intestine",
    "C16": "stomach",
    "C181": "appendix",
    "C18": "colon",
    "C209": "rectum",
    "C25": "pancreas",
    "C34": "lung",
}
# Morphology -> (differentiation, category). ICD-O-3.2 (WHO 2019): 8240/3 NET G1, 8249/3 NET G2/G3,
# 8246/3 neuroendocrine carcinoma, 8013/3 large cell NEC, 8041/3 small cell carcinoma.
ICDO3_MORPHOLOGY = {
    "8240/3": ("well", "NET"),
    "8249/3": ("well", "NET"),
    "8246/3": ("poor", "NEC"),
    "8013/3": ("poor", "NEC"),
    "8041/3": ("poor", "NEC"),
    "8151/3": ("well", "NET"),  # insulinoma, malignant
    "8152/3": ("well", "NET"),  # glucagonoma, malignant
    "8153/3": ("well", "NET"),  # gastrinoma, malignant
    "8155/3": ("well", "NET"),  # VIPoma, malignant
}
# Functioning tumours named by their syndrome (ICD-O-3) -> case functional_syndrome
ICDO3_SYNDROME = {"8151/3": "insulinoma", "8152/3": "glucagonoma", "8153/3": "gastrinoma", "8155/3": "vipoma"}

# --- UCUM length units -> factor to millimetres -----------------------------------------------------
MM_PER_UNIT = {"mm": 1.0, "cm": 10.0, "m": 1000.0, "[in_i]": 25.4}  # [in_i]: the international inch, 2.54 cm exactly
