"""Sales: quotes, orders, deliveries, customer invoices, payments and the customer view.

Documents (``core.documents.Document``) in tables prefixed ``sales_``; their workflows in
``workflows``; the services that change them in ``quotes``, ``orders``, ``deliveries``,
``invoices`` and ``payments`` (each change in the caller's transaction); balances in
``ledger``. Other add-ons extend these documents through core's hooks (``after_transition``
on ``sales.delivery`` to take stock out) and through ``sales.hookspecs`` (the cost of a
product when an invoice is posted).

Pages in ``views`` (lists and record pages under ``/sales/``, the document buttons posting to
``/sales/<kind>/<id>/act/<action>``), the JSON API in ``api`` (``/api/v1/sales/...``, each
action at ``POST /<documents>/<id>/<action>``). A sales document changes state only through
its service (``core.documents.service_transition``); core refuses any other transition of a
document with ``__generic_actions__ = False`` (it would skip the work that goes with the state).
"""
