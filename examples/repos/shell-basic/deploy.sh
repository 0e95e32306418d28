#!/bin/bash
# Deploy the build directory to a target host (planted problems: see README.md).

target=$1
files=$(ls build/*.tar.gz)

# Planted: unquoted variable expansion (shellcheck SC2086).
cp $files /srv/releases/

# Planted: cd without a fallback (shellcheck SC2164).
cd /srv/releases
echo "Deployed to $target, seperately from the cache"
