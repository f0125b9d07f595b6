"""A stack's config in one namespace, every key it sets: what the Pulumi SDK does not list.

`pulumi.Config` reads a key by name (`get`, `require`, `get_secret`), and a key nobody asks
for is ignored: a misspelt `vmcount` would deploy the default unnoticed. The program rejects
keys it does not know, so it needs the keys the stack sets, and the SDK has no public call
that lists them (pulumi 3.x: `pulumi.Config` has no such method; sdk/python/lib/pulumi/config.py).

So `set_keys` is the one place that reads the SDK's own store, pulumi/runtime/config.py:

- `CONFIG`, a context variable holding the map, not exported by `pulumi.runtime`: the
  language host fills it from the `PULUMI_CONFIG` environment variable with `set_all_config`
  (sdk/python/cmd/pulumi-language-python-exec), as do the Automation API's inline programs
  (pulumi/automation/_server.py) and the mock engine (offline/engine.py);
- `get_config_env()`, exported: that environment variable itself (JSON, as the CLI passes it).

Everything else goes through the public API: each value through `pulumi.Config(namespace).get`,
its secretness through `pulumi.runtime.is_config_secret`. tests/test_config_keys.py pins this
on the installed SDK and checks that it is one requirements.txt allows.
"""

from __future__ import annotations

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime import get_config_env, is_config_secret


def set_keys() -> set[str]:
    """Every full key (`<namespace>:<key>`) the stack sets, from the SDK's store (see above)."""
    return {*get_config_env(), *runtime_config.CONFIG.get()}


def namespace_config(namespace: str) -> tuple[dict[str, str], set[str]]:
    """Every key the stack sets in `namespace` (without the `<namespace>:` prefix) with its
    value as the program receives it, and which of them are secrets."""
    prefix = f"{namespace}:"
    config = pulumi.Config(namespace)
    values: dict[str, str] = {}
    for full in sorted(k for k in set_keys() if k.startswith(prefix)):
        value = config.get(full[len(prefix) :])
        if value is not None:
            values[full[len(prefix) :]] = value
    secret = {k for k in values if is_config_secret(config.full_key(k))}
    return values, secret
