#!/usr/bin/env bash
# Installs tesseract, its orientation detection (osd), and the language packs MemexFS asks for (English,
# German, French, Dutch, Spanish, Italian, Polish, Portuguese, Czech, Romanian, Hungarian, Finnish,
# Swedish, Danish, Norwegian, Turkish, Japanese, simplified Chinese): memex/ocr's
# tests read rendered invoice pages and scanned PDFs with it (Ghostscript,
# from 30-ghostscript.sh, renders them). Idempotent: installs only the
# packages that are missing.
set -euo pipefail
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
missing=()
for p in tesseract-ocr tesseract-ocr-osd tesseract-ocr-eng tesseract-ocr-deu tesseract-ocr-fra tesseract-ocr-nld \
  tesseract-ocr-spa tesseract-ocr-ita tesseract-ocr-pol tesseract-ocr-por tesseract-ocr-ces tesseract-ocr-ron \
  tesseract-ocr-hun tesseract-ocr-fin tesseract-ocr-swe tesseract-ocr-dan tesseract-ocr-nor tesseract-ocr-tur \
  tesseract-ocr-jpn tesseract-ocr-chi-sim; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0
export DEBIAN_FRONTEND=noninteractive
[ -n "${APT_UPDATED:-}" ] || $sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
