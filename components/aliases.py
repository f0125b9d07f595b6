"""Drop azure-native's versioned-type aliases from the component's own children.

Every azure-native v3 resource class merges one `Alias(type_=...)` per past API version
into its options, 25 to 60 of them (`pulumi_azure_native/network/network_interface.py`,
`alias_opts = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="azure-native:network/
v20150501preview:NetworkInterface"), ...])`). The SDK then turns each alias into a URN
Output in `Resource.__init__` (pulumi/resource.py, `for alias in opts.aliases:
self._aliases.append(collapse_alias_to_urn(...))`: one `Output.all` and one `apply` per
alias, pulumi/runtime/resource.py `collapse_alias_to_urn`) and resolves them again when it
registers (`prepare_aliases`). Measured offline that is about two thirds of the cost of
registering a VM, NIC or NAT rule (README, "Performance").

Why dropping them is safe: an alias only matters when the stack's state holds a resource
at the alias URN, i.e. the same logical name and the same parent (this component) but the
versioned type, e.g. `...lbvms:index:MultiVmLoadBalanced$azure-native:network/v20230501:
NetworkInterface::web-nic-1`. This component has only ever registered its children with
azure-native's default (unversioned) classes, and azure-native v3 no longer ships the
versioned modules in its SDK at all, so no stack can hold such a child. Any other alias
(a rename, a new parent, a URN string, an alias a consumer adds through a transformation)
is kept: only `Alias(type_=<azure-native versioned type>)` with nothing else set goes.

It is a (legacy) `transformations` entry because those run in Python inside
`Resource.__init__` before the aliases are collapsed (pulumi/resource.py: "Before anything
else - if there are transformations registered, give them a chance to run"), and a
component's transformations apply to every descendant. The newer `transforms` run in the
engine, after the SDK has already paid for the aliases.
"""

from __future__ import annotations

import copy
import re

import pulumi

#: `azure-native:<module>/v<yyyymmdd>[preview|privatepreview|...]:<Type>`
VERSIONED_TYPE = re.compile(r"^azure-native:[A-Za-z0-9]+/v\d{8}[a-z]*:[A-Za-z0-9]+$")


def is_versioned_type_alias(alias: object) -> bool:
    """True for an `Alias` that only renames the type to an azure-native versioned token."""
    if not isinstance(alias, pulumi.Alias):
        return False
    type_ = alias.type_
    others = (alias.name, alias.parent, alias.stack, alias.project)
    return isinstance(type_, str) and bool(VERSIONED_TYPE.match(type_)) and all(o is ... for o in others)


def drop_versioned_type_aliases(
    args: pulumi.ResourceTransformationArgs,
) -> pulumi.ResourceTransformationResult | None:
    aliases = args.opts.aliases
    if not aliases:
        return None
    kept = [a for a in aliases if not is_versioned_type_alias(a)]
    if len(kept) == len(aliases):
        return None
    opts = copy.copy(args.opts)
    opts.aliases = kept or None
    return pulumi.ResourceTransformationResult(args.props, opts)
