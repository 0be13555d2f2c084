"""The ERP link 对接: what the REST API (handlers/web/api) and the outgoing webhooks rest on.

- upsert.py: orders and work orders created or updated by the ERP's external id, through the
  workbook importer's rules (domain/masterdata), so a changed work order reaches its people.
- windows.py: what a read asks for (a time window in the factory's zone, a page, a cursor).
- reads.py and resources.py: the rows the API lists and how each one reads as JSON (the same
  shape a webhook event carries).
- endpoints.py: where the ERP wants events; deliveries.py: claiming and recording deliveries.
The events themselves are emitted by domain/webhooks.py, where they happen.
"""
