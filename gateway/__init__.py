"""Control-plane GraphQL gateway: the runtime (settings, app, backends, context, errors).

Imports flow one way: ``schema`` -> ``resolvers`` -> ``gateway``. The runtime reaches the schema
only through the ``GATEWAY_SCHEMA`` import string and the reference services only through the
``gateway.embedded_backends`` entry point.
"""

__version__ = "0.1.0"
