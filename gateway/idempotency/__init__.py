"""Idempotent mutations: one mechanism every side-effecting mutation goes through.

- ``keys``: where the key comes from (``Idempotency-Key`` header or ``input.idempotencyKey``) and its format;
- ``fingerprint``: canonical JSON of a field's arguments, the record's scope and the backend key;
- ``outcome``: what a mutation produced (a typed outcome with userErrors), as stored and replayed;
- ``store``: the store protocol and its answers; ``sqlite_store`` and ``redis_store`` implement it;
- ``runner``: runs one mutation field under its key (replay, reuse, in-progress, leases, fencing);
- ``field``: ``Idempotent``, the field extension a mutation declares to go through the runner;
- ``extension``: reports ``extensions.idempotency`` on the response;
- ``settings``: ``GATEWAY_IDEMPOTENCY_*``.

Kept import-light: ``gateway.settings`` imports ``settings`` from here.
"""
