#!/usr/bin/env bash
# Installs libcloud_connect (static and shared), its header and a pkg-config file under PREFIX:
#   PREFIX/lib/libcloud_connect.{a,so}
#   PREFIX/include/cloud_connect.h
#   PREFIX/lib/pkgconfig/cloud_connect.pc
# Usage: bash bindings/c/scripts/install.sh PREFIX    (PROFILE=dev to install a debug build)
set -euo pipefail
prefix=${1:?usage: install.sh PREFIX}
profile=${PROFILE:-release}
crate_dir=$(cd "$(dirname "$0")/.." && pwd)
root=$(cd "$crate_dir/../.." && pwd)
cd "$root"

cargo build --quiet --profile "$profile" -p cloud-connect-c
case "$profile" in
  dev) out_dir=debug ;;
  *) out_dir=$profile ;;
esac
target_dir=${CARGO_TARGET_DIR:-$root/target}
version=$(cargo pkgid -p cloud-connect-c | sed 's/.*[#@]//')

mkdir -p "$prefix/lib/pkgconfig" "$prefix/include"
prefix=$(cd "$prefix" && pwd)
install -m 0644 "$target_dir/$out_dir/libcloud_connect.a" "$prefix/lib/"
install -m 0755 "$target_dir/$out_dir/libcloud_connect.so" "$prefix/lib/"
install -m 0644 "$crate_dir/include/cloud_connect.h" "$prefix/include/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|\${prefix}/lib|" -e "s|@INCLUDEDIR@|\${prefix}/include|" \
  -e "s|@VERSION@|$version|" "$crate_dir/cloud_connect.pc.in" > "$prefix/lib/pkgconfig/cloud_connect.pc"
echo "installed cloud_connect $version under $prefix"
