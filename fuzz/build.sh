#!/bin/sh
# Builds Tally's libFuzzer targets with clang, ASan and UBSan.
#
#   fuzz/build.sh [OUTDIR]        (default: /tmp/tally-fuzz)
#
# libcore and the engine are compiled from the source tree by meson into
# OUTDIR/lib with clang and coverage instrumentation
# (-fsanitize=fuzzer-no-link), without touching the project's own build
# options; only the two static libraries are built. Each fuzz/fuzz-*.c is
# then linked against them as OUTDIR/fuzz-*.
# Needs clang (14) with its runtime (Debian: clang-14, libclang-rt-14-dev).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
out=${1:-/tmp/tally-fuzz}
cc=${CC_FUZZ:-clang}
# UBSan stays recoverable so that fuzz/ubsan-known.supp can silence a known,
# reported bug while fuzzing goes on; run-short sets halt_on_error=1.
flags="-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined"

command -v "$cc" >/dev/null || { echo "build.sh: $cc not found (apt-get install clang)" >&2; exit 2; }

mkdir -p "$out"
if [ ! -f "$out/lib/build.ninja" ] || [ "$(cat "$out/lib/.flags" 2>/dev/null)" != "$cc $flags" ]; then
  rm -rf "$out/lib"
  CC="$cc" meson setup "$out/lib" "$src" \
    -Dtests=false -Dviewer=disabled -Dbuildtype=debug -Db_lundef=false \
    -Dc_args="$flags -fsanitize=fuzzer-no-link" >"$out/meson-setup.log" 2>&1 \
    || { cat "$out/meson-setup.log" >&2; exit 1; }
  echo "$cc $flags" >"$out/lib/.flags"
fi
ninja -C "$out/lib" libcore/libtally-core-internal.a engine/libtally-engine.a >/dev/null

deps=$(pkg-config --cflags --libs glib-2.0 gio-2.0 gio-unix-2.0 json-glib-1.0 sqlite3)
# The engine's crash symbolizer (engine/tally-crash.c) uses libdw when it is there.
if pkg-config --exists libdw; then
  deps="$deps $(pkg-config --libs libdw)"
fi
for target in "$here"/fuzz-*.c; do
  name=$(basename "$target" .c)
  # A target whose module is not in the tree yet is skipped, not fatal.
  need=$(sed -n 's|^/\* needs: \(.*\) \*/$|\1|p' "$target")
  if [ -n "$need" ] && [ ! -f "$src/libcore/$need" ] && [ ! -f "$src/engine/$need" ]; then
    echo "skipping $name: $need is in neither libcore/ nor engine/"
    continue
  fi
  # shellcheck disable=SC2086
  $cc $flags -fsanitize=fuzzer -DTALLY_COMPILATION -D_GNU_SOURCE \
    -I"$src/libcore" -I"$src/engine" -I"$src/engine/store" -I"$src/engine/reporters" \
    -I"$out/lib/libcore" -I"$out/lib" \
    "$target" "$out/lib/engine/libtally-engine.a" "$out/lib/libcore/libtally-core-internal.a" \
    $deps -lpthread -lm \
    -o "$out/$name"
  echo "built $out/$name"
done
