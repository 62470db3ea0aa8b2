#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scenario 3 again, enforced by the eBPF classifier: uml_tunnel.sh bpf.
TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
exec bash "$TOP/tests/e2e/uml_tunnel.sh" bpf
