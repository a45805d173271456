# What every benchmark needs from Debian; sourced by bench/run.sh and bench/peers.sh.
if ! command -v wrk >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq wrk
fi
# The synthetic corpus is written with Debian's Vietnamese syllable list.
HUNSPELL_VI_VERSION=1:7.5.0-1
if [ "$(dpkg-query -W -f='${Version}' hunspell-vi 2>/dev/null)" != "$HUNSPELL_VI_VERSION" ]; then
  apt-get install -y -qq "hunspell-vi=${HUNSPELL_VI_VERSION}" >/dev/null 2>&1 ||
    { apt-get update -qq && apt-get install -y -qq "hunspell-vi=${HUNSPELL_VI_VERSION}"; }
fi
