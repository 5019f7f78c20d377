#!/usr/bin/env bash
# Static checks of the AWS deployment: terraform fmt, checkov, and the access-matrix
# tests. Needs python3.11 (or python3) with pip and venv; installs everything else, pinned, into
# .venv-infra at the repository root. Safe to run again; runs from any directory.
set -euo pipefail

infra_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd -- "${infra_dir}/.." && pwd)"
venv="${repo_root}/.venv-infra"
requirements="${infra_dir}/requirements.txt"

python="$(command -v python3.11 || command -v python3 || true)"
if [[ -z "${python}" ]]; then
    echo "infra/check.sh: python3.11 or python3 is required" >&2
    exit 1
fi

# Reinstall only when the pins changed since the last successful install.
stamp="${venv}/.requirements.sha256"
want="$(sha256sum "${requirements}" | cut -d' ' -f1)"
if [[ ! -x "${venv}/bin/python" || ! -f "${stamp}" || "$(cat "${stamp}")" != "${want}" ]]; then
    echo "==> installing pinned checkov and pytest into ${venv}"
    "${python}" -m venv "${venv}"
    "${venv}/bin/python" -m pip install --quiet --disable-pip-version-check -r "${requirements}"
    echo "${want}" > "${stamp}"
fi

status=0

echo "==> terraform fmt"
if command -v terraform > /dev/null 2>&1; then
    # fmt needs no CLI configuration; a missing one only makes terraform warn on every run.
    if [[ ! -e "${TF_CLI_CONFIG_FILE:-${HOME:-/nonexistent}/.terraformrc}" ]]; then
        export TF_CLI_CONFIG_FILE=/dev/null
    fi
    if ! terraform fmt -check -recursive -diff "${infra_dir}/terraform"; then
        echo "terraform fmt: files above need \`terraform fmt -recursive infra/terraform\`" >&2
        status=1
    fi
else
    echo "terraform fmt: skipped, terraform is not installed (the other checks still run)"
fi

echo "==> checkov"
# Skips live next to the resources as #checkov:skip comments with their reasons; none here.
# The Dockerfile sits at the repository root, outside infra/, so it gets its own run.
if ! "${venv}/bin/checkov" --directory "${infra_dir}" --framework terraform \
    --compact --quiet --skip-download; then
    status=1
fi
if ! "${venv}/bin/checkov" --file "${repo_root}/Dockerfile" --framework dockerfile \
    --compact --quiet --skip-download; then
    status=1
fi

echo "==> pytest"
# Exit code 5 means no test was collected: a failure here, like any other non-zero code.
if ! "${venv}/bin/python" -m pytest -q -p no:cacheprovider "${infra_dir}/tests"; then
    status=1
fi

if [[ "${status}" -ne 0 ]]; then
    echo "infra/check.sh: FAILED" >&2
else
    echo "infra/check.sh: all infra checks passed"
fi
exit "${status}"
