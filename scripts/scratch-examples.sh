#!/usr/bin/env bash
# Usage: scratch-examples.sh REPO DEST
# Copies REPO's examples/ (and schemas/, which the examples' $schema lines reach as ../schemas) into
# DEST, a scratch folder outside the repository, for `npm start` to open: no Git repository encloses
# it, and New Spec and quick fixes write there, not into the clone's tracked files.
# Run again, it refreshes DEST without losing edits: DEST/.shipped keeps each file as last copied, and
# a file is replaced only while it still equals that copy. A file edited (or deleted) in DEST stays as
# it is; when the repository's version changed meanwhile, a line names both.
set -euo pipefail
repo="$(cd "$1" && pwd -P)"
dest="$(realpath -m "$2")"
case "$dest/" in
  "$repo/"*) echo "scratch-examples: $dest is inside the repository $repo; choose a folder outside it" >&2; exit 2 ;;
esac
(cd "$repo" && find examples schemas -type f -print0) | while IFS= read -r -d '' rel; do
  new="$repo/$rel" target="$dest/$rel" last="$dest/.shipped/$rel"
  if [[ ! -e "$last" && ! -e "$target" ]] || { [[ -e "$last" && -e "$target" ]] && cmp -s "$target" "$last"; }; then
    mkdir -p "$(dirname "$target")"
    cp "$new" "$target"
  elif [[ -e "$last" ]] && ! cmp -s "$new" "$last"; then
    echo "  kept $target as you left it; the repository's new version is $new"
  fi
  mkdir -p "$(dirname "$last")"
  cp "$new" "$last"
done
