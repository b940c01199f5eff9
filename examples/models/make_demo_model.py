"""Make the demonstration model: a synthetic cohort (NOT real patients) and a Cox model fit on it.

Run from the repository root:  .venv/bin/python examples/models/make_demo_model.py
Writes demo-ruzzenente-synthetic.csv and demo-ruzzenente-variables.json next to this script. The covariates
are the Ruzzenente nomogram's variables (number of liver metastases, largest tumour size, Ki-67), but the
coefficients are estimated from synthetic data: they are NOT the Ruzzenente coefficients (not public) and
carry no clinical meaning. See nelm.prognosis.synthetic for how the data are made.
"""

from pathlib import Path

from nelm.prognosis.synthetic import synthetic_cohort
from nelm.services.prognosis import fit_from_table, write_json

HERE = Path(__file__).resolve().parent
DATA = HERE / "demo-ruzzenente-synthetic.csv"
MODEL = HERE / "demo-ruzzenente-variables.json"
INTENDED_USE = "demonstration only: fit on synthetic data, not for clinical use"

if __name__ == "__main__":
    frame = synthetic_cohort(600, seed=5)
    DATA.write_text("# SYNTHETIC data, not real patients: nelm.prognosis.synthetic.synthetic_cohort(600, seed=5), "
                    "written by make_demo_model.py\n" + frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    result = fit_from_table(frame, time="time_months", event="death", covariates=None,
                            name="Demo: Ruzzenente variables on synthetic data", intended_use=INTENDED_USE,
                            period="synthetic", centre="synthetic (nelm.prognosis.synthetic, seed 5)",
                            source_label=DATA.name)
    model = result.model.model_copy(update={"demonstration_only": True})
    model.source.citation = ("Variables as in the Ruzzenente et al. nomogram named by Chan et al., Gland Surg "
                             "2018;7(1):28-35; coefficients estimated from synthetic data, not from that study")
    write_json(model.to_json_dict(), MODEL)
    print(f"wrote {DATA.name} ({len(frame)} rows, {int(frame.death.sum())} deaths) and {MODEL.name}")
