"""Understanding what runners type: words, clauses, spelling, phrases, and what each symptom means."""
