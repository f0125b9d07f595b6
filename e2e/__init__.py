"""End-to-end availability test on Azure (`make e2e`, `python -m e2e`): see e2e/run.py."""
