"""信用 (credit linkage): every sanction on record — administrative penalties, 中止/解除 of agreements,
practitioners' points, suspensions and terminations — as one record per subject with its legal basis
and period, exportable for the credit platform (条例 Art. 33; seed 001 §(八)). It is read from the
sanctions themselves, so it can never disagree with them."""
