"""The pass talks to a gateway as a client does: it never imports the reference services (it must work against a
deployed gateway and any data) nor the resolvers; it reads the schema the gateway serves through gateway.app."""

from __future__ import annotations

from tests.project.test_layering import top_level_imports


def test_the_parity_package_imports_no_reference_service_resolver_or_schema_module() -> None:
    modules = top_level_imports("parity")
    assert modules, "no modules found under parity/"
    assert {m: sorted(i) for m, i in modules.items() if i & {"reference_services", "resolvers", "schema"}} == {}
