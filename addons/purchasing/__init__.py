"""Purchasing: requisitions and their approval (purchase orders come later).

Documents (``core.documents.Document``) in tables prefixed ``purchasing_`` (``models``); the
requisition's workflow in ``workflows`` (approval bands through core's engine); the services
that change requisitions in ``requisitions`` (each change in the caller's transaction).
Materials' hooks (``materials_incoming``, ``materials_replenish``) are answered in ``hooks``:
the replenishment report counts requisition lines and turns its proposals into draft
requisitions here. Pages in ``views`` (``/purchasing/...``), the JSON API in ``api``
(``/api/v1/purchasing/...``).
"""
