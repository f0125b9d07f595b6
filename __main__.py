"""Load-balanced VMs on Azure: read stack config, build the component, export outputs."""

import pulumi
from pulumi.runtime import config as runtime_config
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.settings import get_monitor

from components import MultiVmLoadBalanced
from stack_config import COMPONENT_NAME, args_from_config


def project_config() -> tuple[dict[str, str], set[str]]:
    """Every `<project>:<key>` value of this stack, and which keys are secrets.

    The SDK has no public call that lists config keys, and `pulumi.Config.get` would
    silently ignore a misspelt one, so the runtime's own map is read here.
    """
    prefix = f"{pulumi.get_project()}:"
    merged = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    values = {k[len(prefix) :]: v for k, v in merged.items() if k.startswith(prefix)}
    secret = {k for k in values if runtime_config.is_config_secret(prefix + k)}
    return values, secret


values, secret_keys = project_config()
# The offline plan's placeholder SSH key is accepted on the mock engine only.
offline = isinstance(get_monitor(), MockMonitor)
args = args_from_config(values, secret_keys, allow_placeholder_key=offline)
stack = MultiVmLoadBalanced(COMPONENT_NAME, args)

if stack.public_ip_address is not None:
    pulumi.export("publicIp", stack.public_ip_address)
else:
    pulumi.export("privateFrontendIp", stack.frontend_ip)
pulumi.export("url", stack.url)
pulumi.export("adminEndpoints", stack.admin_endpoints)
if stack.nat_port_range is not None:
    pulumi.export("natPortRange", stack.nat_port_range)
if stack.scale_set_name is not None:
    pulumi.export("scaleSetName", stack.scale_set_name)
else:
    pulumi.export("vmNames", stack.vm_names)
    pulumi.export("privateIps", stack.private_ips)
if stack.vm_zones:
    pulumi.export("vmZones", stack.vm_zones)
pulumi.export("resourceGroupName", stack.resource_group_name)
pulumi.export("identityId", stack.identity_id)
if stack.identity_principal_id is not None:
    pulumi.export("identityPrincipalId", stack.identity_principal_id)
if stack.workspace_id is not None:
    pulumi.export("workspaceId", stack.workspace_id)
    pulumi.export("probeFailuresQuery", stack.probe_failures_query)
    pulumi.export("probeStatusCommand", stack.probe_status_command)
if stack.admin_password is not None:
    pulumi.export("adminPassword", pulumi.Output.secret(stack.admin_password))
