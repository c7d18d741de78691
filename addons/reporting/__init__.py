"""Reporting: the report framework (``framework``), the reports it ships (``reports``),
exports (``exports``), the cube (``cube``, ``cube_dimensions``), SQL views for report writers
(its migrations, built with ``core.sql_views``) and their read-only role (``readonly_role``).

Any add-on registers reports through the ``reporting_reports`` hook (``hookspecs``); a
report of an add-on the company has not enabled does not exist for that company.
"""
