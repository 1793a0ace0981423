#!/bin/bash
# Usage: sysroot/musl.sh <musl triple|board> [--python 3.X] [--rebuild]
# Builds an OpenWrt-like target root from source in $CDPY_CACHE/sysroot/<DEB_ARCH>-py3.X
# (default cache: ~/.cache/collectd-python) and prints its path; sysroot/build.sh hands
# LIBC=musl targets (targets/*.env) to this script. With zig cc (sysroot/zig.sh):
#   musl        shared libc.so and its loader /lib/ld-musl-<arch>[-sf].so.1 (relative link)
#   libffi      for CPython's _ctypes (OpenWrt's python3-ctypes)
#   CPython 3.X shared libpython3.X.so, stdlib trimmed like OpenWrt's python3-light (no
#               test, ensurepip, idlelib, tkinter, lib2to3, turtledemo, ...; .pyc without
#               the optimised variants); 3.13 by default (OpenWrt 25.12), --python or
#               CDPY_PYTHON or the board's `python` for 3.11/3.14
#   collectd    5.12.0: daemon, types.db and the logfile, csv, unixsock, network, exec
#               plugins, and its own C python plugin (the differential reference);
#               --with-fp-layout=endianflip on big-endian (as OpenWrt's package does);
#               the plugin headers laid out like Debian's collectd-dev (for bindgen)
# Sources are Debian source packages' .orig tarballs (sysroot/sources.sh). A host
# CPython of the same version (CPython's cross build needs one) is built once per
# tarball in $CDPY_CACHE/musl/hostpy-<version>-<hash>.
# Cached by content: the stamp's key is a hash of the tarballs, the patch, zig.sh (the
# compiler wrappers), the target's zig target/CPU and this script's FORMAT; a second
# run is a no-op without network.
# Soft-float targets (FLOAT_ABI=soft): every ELF object of the root is checked to be
# soft-float. Logs of each stage: $CDPY_CACHE/musl/build/<name>/*.log (kept on failure).
set -euo pipefail
H=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=ci/lib.sh
. "$H/../ci/lib.sh"

FORMAT=2 # bump when the layout of the result changes
# what python3-light leaves out (OpenWrt's python3 package split), plus test extensions
PY_TRIM="test idlelib tkinter turtledemo ensurepip lib2to3 pydoc_data venv __phello__ turtle.py
 sqlite3 curses dbm"
rebuild=${CDPY_REFRESH:-0} arg=''
while [ $# -gt 0 ]; do
    case $1 in
        --python) export CDPY_PYTHON=${2:?--python needs 3.X}; shift ;;
        --rebuild | --refresh) rebuild=1 ;;
        --suite) shift ;; # sysroot/build.sh's option: the suite follows from the Python here
        -h | --help) usage; exit 0 ;;
        *) [ -z "$arg" ] || die "one target at a time"; arg=$1 ;;
    esac
    shift
done
[ -n "$arg" ] || die "usage: sysroot/musl.sh <musl triple|board> [--python 3.X]"
load_target "$arg"
[ "$LIBC" = musl ] || die "$RUST_TRIPLE is not a musl target: use sysroot/build.sh"
PV=$PY_VERSION S=$SYSROOT N=$(basename "$SYSROOT")
STAMP=$S.stamp
mkdir -p "$CDPY_CACHE/sysroot"
exec 9>"$S.lock"
flock 9

W=$("$H/zig.sh" "$RUST_TRIPLE")
# fetch (or find cached) sources; a version that cannot be had stops here, clearly
src_musl=$("$H/sources.sh" musl) || die "no musl source: see above"
src_collectd=$("$H/sources.sh" collectd) || die "no collectd source: see above"
# 3.4 (trixie's, as OpenWrt's 3.4.x); a git snapshot: autoreconf needs libltdl-dev's
# ltdl.m4 (LT_SYS_SYMBOL_USCORE)
src_ffi=$("$H/sources.sh" libffi '3.4.*') || die "no libffi 3.4 source: see above"
src_py=$("$H/sources.sh" "python$PV") ||
    die "no source for CPython $PV (Debian source package python$PV): see above; try CDPY_PYTHON=3.13"
PATCH=$H/patches/collectd-python311_ftbfs_fix.patch
ZIG_VERSION=$(sed -n 's/^ZIG_VERSION=//p' "$H/zig.sh")

key=$({
    echo "format=$FORMAT triple=$RUST_TRIPLE zig=$ZIG_VERSION $ZIG_TARGET cpu=$ZIG_CPU float=$FLOAT_ABI endian=$ENDIAN py=$PV"
    echo "trim=$PY_TRIM"
    # zig.sh writes the compiler wrappers: how every object of the root is built
    sha256sum "$src_musl" "$src_ffi" "$src_collectd" "$src_py" "$PATCH" "$H/zig.sh" | cut -d' ' -f1
} | sha256sum | cut -c1-16)
if [ "$rebuild" != 1 ] && [ -x "$S/usr/sbin/collectd" ] && [ "$(head -1 "$STAMP" 2>/dev/null)" = "key=$key" ]; then
    log "sysroot $N up to date ($(sed -n 2p "$STAMP"))"
    echo "$S"
    exit 0
fi

# A failed run leaves its build dir: the next one with the same key resumes after the
# last stage that finished (<stage>.done); any other key starts from scratch.
B=$CDPY_CACHE/musl/build/$N
rm -f "$STAMP"
if [ "$(cat "$B/key" 2>/dev/null)" != "$key" ]; then
    rm -rf "$B" "$S"
    mkdir -p "$B" "$S"
    echo "$key" >"$B/key"
else
    log "$N: resuming the build in $B"
fi
J=${CDPY_JOBS:-1}
# stage LABEL LOGNAME CMD...: runs CMD with its output in $B/LOGNAME.log; on failure
# shows the log's tail and stops
stage() {
    local label=$1 name=$2 t0
    shift 2
    if [ -e "$B/$name.done" ]; then
        log "$N: $label: done in an earlier run"
        return 0
    fi
    log "$N: $label"
    t0=$(now_ms)
    # a background subshell, so that set -e holds inside CMD (it would not in an `if`)
    local rc=0
    (cd "$B" && "$@") >"$B/$name.log" 2>&1 &
    wait $! || rc=$?
    if [ "$rc" -ne 0 ]; then
        tail -30 "$B/$name.log" >&2
        die "$N: $label failed; full log: $B/$name.log"
    fi
    : >"$B/$name.done"
    log "$N: $label done in $(fmt_ms $(($(now_ms) - t0)))"
}
# the builds share the machine: lowest priority for this script and all it starts
renice -n 19 $$ >/dev/null 2>&1 || true
# autoconf must not see the host's .pc files (host zlib leaked into CPython's configure)
export PKG_CONFIG_LIBDIR=$S/usr/lib/pkgconfig PKG_CONFIG_PATH='' PKG_CONFIG_SYSROOT_DIR=$S
TOOLS=(CC="$W/cc" AR="$W/ar" RANLIB="$W/ranlib")

# --- musl: built with zig's own musl headers (cc-raw), installed as the sysroot's libc
build_musl() {
    mkdir -p "$B/musl"
    tar xf "$src_musl" -C "$B/musl" --strip-components=1
    cd "$B/musl"
    CC=$W/cc-raw AR=$W/ar RANLIB=$W/ranlib ./configure --target="$GNU_TRIPLE" --prefix=/usr --syslibdir=/lib
    if [ "$FLOAT_ABI" = soft ]; then
        grep -qE '^SUBARCH = .*-sf$' config.mak || { echo "musl configured for a hard-float variant:"; grep SUBARCH config.mak; return 1; }
    fi
    make -j"$J"
    make install DESTDIR="$S"
    # musl installs the loader as an absolute link to /usr/lib/libc.so: under qemu -L it
    # would resolve on the host
    local l
    for l in "$S"/lib/ld-musl-*.so.1; do ln -sfn ../usr/lib/libc.so "$l"; done
    ls -l "$S"/lib/ld-musl-*.so.1
}
stage "musl ($(basename "$src_musl"))" musl build_musl

# --- host CPython of the same version (--with-build-python), shared by every target:
# used in its build tree (no install), built without -g at -O1: it only runs the build
py_sum=$(sha256sum "$src_py" | cut -c1-16)
HP=$CDPY_CACHE/musl/hostpy-$PV-$py_sum
build_hostpy() {
    rm -rf "$HP.new"
    mkdir -p "$HP.new"
    tar xf "$src_py" -C "$HP.new" --strip-components=1
    cd "$HP.new"
    OPT="-DNDEBUG -O1" ./configure --without-ensurepip --disable-test-modules
    make -j"$J"
    ./python -c 'import sys; print(sys.version)'
    mkdir -p bin
    printf '#!/bin/sh\nexec %s/python "$@"\n' "$HP" >"bin/python$PV"
    chmod +x "bin/python$PV"
    rm -rf "$HP"
    mv "$HP.new" "$HP"
}
exec 8>"$CDPY_CACHE/musl/hostpy.lock"
flock 8
if [ -x "$HP/bin/python$PV" ]; then
    log "$N: host CPython $PV cached ($HP)"
else
    stage "host CPython $PV (for the cross build)" hostpy build_hostpy
fi
flock -u 8

# --- libffi (for _ctypes: OpenWrt's python3-ctypes; the tests use ctypes)
build_libffi() {
    mkdir -p "$B/libffi"
    tar xf "$src_ffi" -C "$B/libffi" --strip-components=1
    cd "$B/libffi"
    # MIPS o32: the hand-written unwind info in o32.S gives absolute FDE addresses
    # (R_MIPS_32), which lld refuses in a shared object: PC-relative ones instead
    sed -i -E -e 's/^(\s*\.byte\s+)0x00(\s+# FDE Encoding \(absptr\))/\10x1b\2/' \
        -e 's/^(\s*\.4byte\s+)(\$LFB[0-9]+)(\s+# FDE initial location)/\1\2-.\3/' src/mips/o32.S
    [ -x configure ] || autoreconf -fi
    # ARM and AArch64: libffi's static trampolines (src/tramp.c) include
    # <linux/limits.h>, a kernel header this root does not have; closures then use
    # libffi's other trampolines (MIPS has no static ones, its build is unchanged)
    local tramp=()
    case $GNU_TRIPLE in arm*|aarch64*) tramp=(--disable-exec-static-tramp) ;; esac
    ./configure --host="$GNU_TRIPLE" --build=x86_64-pc-linux-gnu --prefix=/usr \
        --disable-static --disable-docs --disable-multi-os-directory "${tramp[@]}" "${TOOLS[@]}"
    make -j"$J"
    make install DESTDIR="$S"
    rm -f "$S"/usr/lib/libffi.la
    ls -l "$S"/usr/lib/libffi.so*
}
stage "libffi ($(basename "$src_ffi"))" libffi build_libffi

# --- target CPython: shared libpython, -Os like OpenWrt, no ensurepip/test modules
build_python() {
    # built one level below the source, as Debian does: CPython's messages carry
    # __FILE__ ("../Objects/longobject.c:1531: bad argument..."), which the tests
    # compare with the C plugin's on Debian's builds
    mkdir -p "$B/python"
    tar xf "$src_py" -C "$B/python" --strip-components=1
    mkdir -p "$B/python/build-target"
    cd "$B/python/build-target"
    # configure cannot run target code: the answers it would otherwise probe for
    printf '%s\n' ac_cv_file__dev_ptmx=yes ac_cv_file__dev_ptc=no ac_cv_buggy_getaddrinfo=no >config.site
    CONFIG_SITE=$PWD/config.site OPT="-DNDEBUG -Os" ../configure \
        --host="$GNU_TRIPLE" --build=x86_64-pc-linux-gnu --prefix=/usr \
        --enable-shared --without-ensurepip --disable-test-modules \
        --with-build-python="$HP/bin/python$PV" "${TOOLS[@]}"
    make -j"$J"
    # the .pyc of one optimisation level only (what runs by default)
    make install DESTDIR="$S" COMPILEALL_OPTS="-j$J -o 0"
    local L=$S/usr/lib/python$PV t
    for t in $PY_TRIM; do rm -rf "${L:?}/$t"; done
    find "$L/lib-dynload" -name '_test*' -delete -o -name 'xx*' -delete
    rm -rf "$L"/config-"$PV"-*/*.a "$S/usr/share/man"
    find "$L" -name '*.opt-[12].pyc' -delete
    # pyo3's lib_dir: a directory that holds only the libpython link (as on Debian roots)
    mkdir -p "$S/usr/lib/pylink"
    ln -sfn "../libpython$PV.so.1.0" "$S/usr/lib/pylink/libpython$PV.so"
    ls -l "$S/usr/lib/libpython$PV.so.1.0"
}
stage "CPython $PV ($(basename "$src_py"))" python build_python

# --- collectd: the orig tarball is a git snapshot (no configure): autoreconf via its
# build.sh (autoconf, automake, libtool, flex, bison: ci/host-deps.sh)
build_collectd() {
    mkdir -p "$B/collectd/src" "$B/collectd/build"
    tar xf "$src_collectd" -C "$B/collectd/src" --strip-components=1
    cd "$B/collectd/src"
    # Debian's debian/patches/python311_ftbfs_fix.patch: longintrepr.h moved in 3.11
    patch -p1 <"$PATCH"
    ./build.sh
    cd "$B/collectd/build"
    local fp=nothing
    [ "$ENDIAN" = big ] && fp=endianflip
    # python_la_LIBADD is empty upstream: -lpython3.X goes in LIBPYTHON_LDFLAGS (as
    # python3-config --ldflags --embed prints it), else python.so misses PyErr_Fetch
    ../src/configure --host="$GNU_TRIPLE" --build=x86_64-pc-linux-gnu \
        --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
        --disable-werror --with-nan-emulation --with-fp-layout=$fp --without-libgcrypt \
        --disable-all-plugins --enable-logfile --enable-csv --enable-unixsock \
        --enable-network --enable-exec --enable-python \
        LIBPYTHON_CPPFLAGS="-I$S/usr/include/python$PV" \
        LIBPYTHON_LDFLAGS="-L$S/usr/lib -lpython$PV" LIBPYTHON_LIBS="-lpython$PV" \
        "${TOOLS[@]}"
    make -j"$J"
    make install DESTDIR="$S"
    local p
    for p in logfile csv unixsock network exec python; do
        [ -f "$S/usr/lib/collectd/$p.so" ] || { echo "collectd built no $p.so (see configure's summary)"; return 1; }
    done
    rm -f "$S"/usr/lib/collectd/*.la "$S"/usr/lib/*.la
    # the plugin API headers as Debian's collectd-dev installs them (debian/rules)
    local I=$S/usr/include/collectd i d lib libname fullpath headers
    rm -rf "$I"
    mkdir -p "$I/core" "$I/liboconfig"
    (cd ../src && find src -path src/libcollectdclient -prune -o -path src/liboconfig -prune -o -name '*.h' -print) |
        while read -r i; do
            d=$I/core/${i#src/}
            mkdir -p "$(dirname "$d")"
            cp "../src/$i" "$d"
        done
    cp src/config.h "$I/core/config.h"
    cp ../src/src/liboconfig/oconfig.h "$I/liboconfig/"
    cd "$I"
    headers=$(find . -type f -name '*.h')
    for lib in $headers; do
        libname=$(basename "$lib")
        fullpath=collectd/${lib#./}
        # shellcheck disable=SC2086  # one sed over every header
        sed -r -i -e "s,(include\\s+)\".*\\<$libname\",\\1\"$fullpath\"," $headers
    done
    [ -f "$I/core/daemon/plugin.h" ]
}
stage "collectd 5.12 ($(basename "$src_collectd"))" collectd build_collectd

# --- soft-float: no object may use the FPU (ath79/mt7621 have none)
check_float() {
    local f fp bad=0 n=0
    while IFS= read -r -d '' f; do
        head -c4 "$f" | grep -q 'ELF' || continue
        n=$((n + 1))
        fp=$(readelf -A "$f" | sed -n 's/^ *FP ABI: *//p')
        [ "$fp" = "Soft float" ] || { echo "not soft-float: $f: FP ABI '$fp'"; bad=1; }
    done < <(find "$S" -type f \( -name '*.so*' -o -name '*.o' -o -perm -u+x \) -print0)
    echo "$n ELF objects checked"
    [ "$bad" = 0 ]
}
[ "$FLOAT_ABI" = soft ] && stage "soft-float check of every object" float check_float

lp=$(du -sb "$S/usr/lib/libpython$PV.so.1.0" | cut -f1)
std=$(du -sb "$S/usr/lib/python$PV" | cut -f1)
printf 'key=%s\nmusl %s, libffi %s, python %s, collectd %s; %s\nlibpython=%s stdlib=%s\n' "$key" \
    "$(basename "$src_musl")" "$(basename "$src_ffi")" "$(basename "$src_py")" "$(basename "$src_collectd")" \
    "$(du -sh "$S" | cut -f1)" \
    "$lp" "$std" >"$STAMP"
rm -rf "$B"
log "sysroot $N: $(sed -n 2p "$STAMP")"
echo "$S"
