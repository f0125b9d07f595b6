"""Load-balanced VMs on Azure: read stack config, build the component, export outputs."""

import pulumi

from components import MultiVmLoadBalanced
from config_keys import namespace_config
from stack_config import COMPONENT_NAME, args_from_config

# Every key of the project, misspelt ones too: the program rejects a key it does not know.
values, secret_keys = namespace_config(pulumi.get_project())
args = args_from_config(values, secret_keys)
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
if stack.dashboard_url is not None:
    pulumi.export("dashboardUrl", stack.dashboard_url)
if stack.admin_password is not None:
    pulumi.export("adminPassword", pulumi.Output.secret(stack.admin_password))
if stack.admin_password_secret_uri is not None:
    pulumi.export("adminPasswordSecretUri", stack.admin_password_secret_uri)
