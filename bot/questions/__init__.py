"""Questions: posting them exactly once, collecting replies (live and backfilled), the question
message and its controls, private answers and conclusions, nudges and `/roundtable status`.
"""
