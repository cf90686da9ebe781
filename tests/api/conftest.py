import pytest

from api.services import api_key_create
from tests.conftest import Personas


@pytest.fixture
def api_key(personas: Personas):
    """api_key(scope="write", member=manager) → (key row, Authorization header value)."""

    def make(scope: str = "write", member=None, name: str = "Shopify sync"):
        key, full = api_key_create(by=member or personas.manager, name=name, scope=scope)
        return key, f"Bearer {full}"

    return make


@pytest.fixture
def api(client, api_key):
    """api(scope) → a function calling the API with a fresh key of that scope."""

    def with_scope(scope: str = "write", member=None):
        _, auth = api_key(scope, member)

        def call(method: str, path: str, json=None, **params):
            kwargs = {"headers": {"Authorization": auth}}
            if json is not None:
                kwargs |= {"data": json, "content_type": "application/json"}
            elif params:
                kwargs["data"] = params
            return getattr(client, method)(f"/api/v1{path}", **kwargs)

        return call

    return with_scope
