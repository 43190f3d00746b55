#!/bin/sh
# Writes a packaged config file: the package's choices (HEAD), then every key
# the program knows, commented out with its default (PROGRAM --print-config).
#   make-config.sh HEAD PROGRAM OUT
set -e
{ cat "$1" && "$2" --print-config; } >"$3.tmp"
mv "$3.tmp" "$3"
