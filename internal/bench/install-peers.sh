#!/bin/sh
# Installs the JSON Schema CLIs that `make bench` compares exctl with into an
# npm prefix (default .bench/peers), so they never touch the system or the
# repository's own dependencies. Safe to run again: it does nothing when
# both are present. Needs npm; without it the benchmark reports exctl alone.
set -eu

prefix=${1:-.bench/peers}
bin="$prefix/node_modules/.bin"

if [ -x "$bin/ajv" ] && [ -x "$bin/jsonschema" ] && [ -d "$prefix/node_modules/ajv-formats" ]; then
	echo "peers already installed in $prefix"
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "npm not found: the benchmark will report exctl alone" >&2
	exit 1
fi
mkdir -p "$prefix"
npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error \
	ajv-cli ajv-formats @sourcemeta/jsonschema
echo "peers installed in $prefix"
