#!/bin/sh
# Install the Debian packages listed in $1 that are missing, then touch the stamp file $2 (make's "done once").
# As root: apt-get, non-interactive, only the missing packages. Otherwise: sudo -n if it needs no password, else print
# the exact command to run. Without the packages the tests that need them skip — and fail under CI=true — so this
# exits non-zero under CI when it cannot install them, and only warns elsewhere.
set -eu
list=$1
stamp=$2
packages=$(sed -e 's/#.*//' "$list" | tr -s ' \t' '\n\n' | sed -e '/^$/d')

fail_or_warn() {
    echo "$1" >&2
    if [ "${CI:-}" = "true" ]; then exit 1; fi
    exit 0
}

if ! command -v dpkg-query >/dev/null 2>&1; then
    fail_or_warn "system packages: not a Debian system; the tests need these Debian packages (or their equivalents): $(echo $packages)"
fi

missing_packages() {
    for package in $packages; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
        [ "$status" = "installed" ] || echo "$package"
    done
}

missing=$(missing_packages)
if [ -n "$missing" ]; then
    missing=$(echo $missing)
    if [ "$(id -u)" = "0" ]; then
        as_root=""
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        as_root="sudo -n"
    else
        fail_or_warn "system packages missing: $missing — install them with:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends $missing"
    fi
    echo "system packages: installing $missing"
    export DEBIAN_FRONTEND=noninteractive
    $as_root apt-get update -qq
    $as_root apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=600 $missing >/dev/null
    missing=$(missing_packages)
    if [ -n "$missing" ]; then
        fail_or_warn "system packages still missing after apt-get: $(echo $missing)"
    fi
fi
mkdir -p "$(dirname "$stamp")"
touch "$stamp"
