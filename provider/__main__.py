"""Entry point of the `lbvms` plugin: the Pulumi CLI runs this file in provider/."""

import sys
from pathlib import Path

# The component lives in the repository's `components` package, one directory up.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if __name__ == "__main__":
    from provider.lbvms_provider import serve

    serve(sys.argv[1:])
