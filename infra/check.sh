#!/usr/bin/env bash
# Static checks of the AWS deployment: terraform fmt and validate, checkov, and the
# access-matrix tests. Needs python3.11 (or python3) with pip and venv; installs everything
# else, pinned, into .venv-infra at the repository root. Safe to run again; runs from any directory.
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

echo "==> terraform validate"
# Validation needs the AWS provider, which this machine's image keeps in a local mirror (no
# registry is reachable); it runs on a copy, so no .terraform folder lands in the repository.
mirror="${TF_PLUGIN_MIRROR:-/opt/tf-plugins}"
if command -v terraform > /dev/null 2>&1 && [[ -d "${mirror}/registry.terraform.io/hashicorp/aws" ]]; then
    scratch="$(mktemp -d)"
    cp -r "${infra_dir}/terraform" "${scratch}/terraform"
    printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "${mirror}" \
        > "${scratch}/terraformrc"
    example="${scratch}/terraform/examples/complete"
    if ! TF_CLI_CONFIG_FILE="${scratch}/terraformrc" terraform -chdir="${example}" init \
        -backend=false -input=false -no-color > "${scratch}/init.log" 2>&1; then
        cat "${scratch}/init.log" >&2
        echo "terraform init failed with the provider mirror ${mirror}" >&2
        status=1
    elif ! TF_CLI_CONFIG_FILE="${scratch}/terraformrc" terraform -chdir="${example}" validate \
        -no-color; then
        status=1
    fi
    rm -rf "${scratch}"
else
    echo "terraform validate: skipped, needs terraform and the AWS provider in ${mirror}" \
        "(TF_PLUGIN_MIRROR names another mirror)"
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
