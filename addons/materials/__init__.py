"""Materials: warehouses, stock moves, levels, average cost, reservations, reorder rules.

Tables prefixed ``materials_`` (``models``); every change of stock goes through ``stock``
(moves, transfers, reservations: the level and the average are kept with the moves, in the
caller's transaction). When sales is enabled for the company too, ``hooks`` reserves stock
for a confirmed order, issues it when its delivery ships and gives posted invoice lines
their cost (sales' ``sales_line_cost``); materials never imports sales.
"""
