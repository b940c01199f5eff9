#!/usr/bin/env bash
# Debian packages the test suite needs: PostgreSQL (registry tests), Chromium (browser tests),
# the Pango/fonts WeasyPrint renders PDFs with, and poppler-utils (pdftotext) for the PDF-note test. Installs only what is missing; needs root for apt.
set -euo pipefail

need=()
for package in postgresql chromium libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || need+=("$package")
done

if [ ${#need[@]} -eq 0 ]; then
  echo "system packages: all present"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "system packages missing (${need[*]}); run as root or install them with apt-get" >&2
  exit 1
fi
echo "installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
