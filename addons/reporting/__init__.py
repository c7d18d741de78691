"""Reporting: the report framework (``framework``), the reports it ships (``reports``),
exports (``exports``), the cube (``cube``) and SQL views for report writers (``views_sql``).

Any add-on registers reports through the ``reporting_reports`` hook (``hookspecs``); a
report of an add-on the company has not enabled does not exist for that company.
"""
