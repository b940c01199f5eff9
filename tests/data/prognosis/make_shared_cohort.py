"""Write the shared synthetic data set used by make_reference.R and the tests (NOT real patients).

Run from the repository root:  .venv/bin/python tests/data/prognosis/make_shared_cohort.py
"""

from pathlib import Path

from nelm.prognosis.synthetic import synthetic_cohort

OUT = Path(__file__).with_name("shared_cohort.csv")
HEADER = ("# SYNTHETIC data (not real patients): nelm.prognosis.synthetic.synthetic_cohort(400, seed=2024, "
          "with_site=True), written by make_shared_cohort.py\n")

if __name__ == "__main__":
    frame = synthetic_cohort(400, 2024, with_site=True)
    OUT.write_text(HEADER + frame.to_csv(index=False, lineterminator="\n"), encoding="utf-8")
    print(f"wrote {OUT} ({len(frame)} rows, {int(frame.death.sum())} deaths)")
