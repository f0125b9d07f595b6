"""The policy pack: `pulumi preview --policy-pack policy`. The policies live in rules.py,
importable without starting the analyzer that this module starts."""

from pulumi_policy import PolicyPack
from rules import POLICIES

PolicyPack(name="lb-vms-guardrails", policies=POLICIES)
