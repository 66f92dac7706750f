#!/usr/bin/env bash
# Installs PostgreSQL 15 and pgvector (built from Debian's own source package)
# on a Debian 12 (bookworm) machine, then starts a throw-away test server.
# Idempotent: every step is skipped when its result is already there.
# Run as root. Prints the URL the tests read from TARTAN_PG_URL on its last line.
#
# Only bookworm binaries are installed; trixie is added as a deb-src entry alone,
# because bookworm has no pgvector package and trixie's source builds against 15.
set -euo pipefail

PG_MAJOR=15
PG_CONFIG="/usr/lib/postgresql/${PG_MAJOR}/bin/pg_config"
export DEBIAN_FRONTEND=noninteractive
# Keep our createcluster.conf (below) when postgresql-common's postinst offers its own via ucf.
export UCF_FORCE_CONFFOLD=1
# Wait for other apt/dpkg runs on a shared machine instead of failing at once.
APT=(apt-get -o DPkg::Lock::Timeout=600)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-postgres.sh must run as root (it installs Debian packages)" >&2
  exit 1
fi

need_pkgs=()
for p in "postgresql-${PG_MAJOR}" "postgresql-server-dev-${PG_MAJOR}" build-essential dpkg-dev; do
  dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done

src_list=/etc/apt/sources.list.d/tartan-trixie-src.sources
if [ ! -f "$src_list" ]; then
  cat > "$src_list" <<'SRC'
# Source packages only (pgvector); no trixie binaries are ever installed from here.
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

vector_control() { echo "$("$PG_CONFIG" --sharedir 2>/dev/null)/extension/vector.control"; }

if [ "${#need_pkgs[@]}" -gt 0 ] || [ ! -f "$(vector_control)" ]; then
  "${APT[@]}" update -qq
fi

if [ "${#need_pkgs[@]}" -gt 0 ]; then
  # The Debian package would create and start a cluster on 5432; we run our own.
  mkdir -p /etc/postgresql-common
  grep -qs '^create_main_cluster' /etc/postgresql-common/createcluster.conf \
    || echo 'create_main_cluster = false' >> /etc/postgresql-common/createcluster.conf
  "${APT[@]}" install -y -qq --no-install-recommends "${need_pkgs[@]}"
fi

if [ ! -f "$(vector_control)" ]; then
  build_dir="$(mktemp -d)"
  (
    cd "$build_dir"
    chown _apt "$build_dir" 2>/dev/null || true
    "${APT[@]}" source -qq pgvector
    cd pgvector-*/
    make -s PG_CONFIG="$PG_CONFIG" OPTFLAGS=""
    make -s install PG_CONFIG="$PG_CONFIG"
  )
  rm -rf "$build_dir"
  echo "pgvector installed into $("$PG_CONFIG" --sharedir)/extension"
fi

exec "$(dirname "$0")/start-postgres.sh"
