"""Pure helpers for supervisors and auditors (督查/稽核): dwell statistics, samplers, settlement money, charts.

Nothing here touches Flask or the database: plain values in, plain values out, so each piece can be
tested on hand-made data.
"""
