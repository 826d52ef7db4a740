# shellcheck shell=bash
# Shared by the scripts in bin/: finds a JDK >= 21, and when run as root (CI), stages the project for an
# unprivileged user, because OpenSearch and its test framework refuse to run as root.

set -euo pipefail

BE_PROJECT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BE_RUN_USER=${BE_RUN_USER:-bembed}
BE_VAR=${BE_VAR:-/var/tmp/binary-embeddings}
# The OpenSearch release the plugin is built for: one place, the pom.
BE_OS_VERSION=$(sed -n 's:.*<opensearch.version>\(.*\)</opensearch.version>.*:\1:p' "$BE_PROJECT/pom.xml" | head -1)

be_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
be_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Prints the major version of the JDK at $1, or nothing.
be_jdk_major() {
  local v
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
  v=$("$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}')
  printf '%s' "${v%%.*}"
}

# Sets JAVA_HOME to a JDK >= 21: $JAVA_HOME if it qualifies, else the newest under /usr/lib/jvm (or $BE_JDK_DIRS).
be_find_jdk() {
  local best="" best_v=0 d v
  for d in ${JAVA_HOME:-} ${BE_JDK_DIRS:-/usr/lib/jvm/* /opt/java/* /opt/jdk*}; do
    [ -d "$d" ] || continue
    v=$(be_jdk_major "$d")
    [ -n "$v" ] || continue
    if [ "$v" -ge 21 ] && [ "$v" -gt "$best_v" ]; then best=$d; best_v=$v; fi
    # an explicit JAVA_HOME that qualifies wins
    if [ "$d" = "${JAVA_HOME:-}" ] && [ "$v" -ge 21 ]; then best=$d; best_v=$v; break; fi
  done
  [ -n "$best" ] || be_die "no JDK 21 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm/*). Install one, e.g. 'apt-get install openjdk-21-jdk-headless' or Temurin 21+, or point JAVA_HOME at it."
  export JAVA_HOME=$best
  export PATH="$JAVA_HOME/bin:$PATH"
}

be_need_mvn() {
  command -v mvn >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    be_log "installing maven (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq maven) >/dev/null
  fi
  command -v mvn >/dev/null 2>&1 || be_die "Apache Maven (mvn) is required: install it (apt-get install maven)."
}

be_is_root() { [ "$(id -u)" = 0 ]; }

# Root only: the unprivileged user that runs Maven, the tests and the nodes.
be_ensure_user() {
  if ! id "$BE_RUN_USER" >/dev/null 2>&1; then
    be_log "creating unprivileged user $BE_RUN_USER"
    useradd --system --create-home --home-dir "$BE_VAR/home" --shell /bin/bash "$BE_RUN_USER" 2>/dev/null \
      || useradd -r -m -d "$BE_VAR/home" -s /bin/bash "$BE_RUN_USER"
  fi
  mkdir -p "$BE_VAR"
  chmod 755 "$BE_VAR"
  local home; home=$(getent passwd "$BE_RUN_USER" | cut -d: -f6)
  mkdir -p "$home" "$BE_VAR/m2"
  chown "$BE_RUN_USER" "$home" "$BE_VAR/m2"
}

# The directory the build runs in. As a normal user: the project itself. As root: a copy owned by the
# unprivileged user (so the clone itself is never chowned), refreshed on every call.
be_workdir() {
  if be_is_root; then
    local key; key=$(printf '%s' "$BE_PROJECT" | md5sum | cut -c1-10)
    printf '%s/work-%s' "$BE_VAR" "$key"
  else
    printf '%s' "$BE_PROJECT"
  fi
}

be_stage() {
  be_is_root || return 0
  be_ensure_user
  local w; w=$(be_workdir)
  mkdir -p "$w"
  command -v rsync >/dev/null 2>&1 || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync >/dev/null)
  rsync -a --delete --exclude .git --exclude target --exclude run "$BE_PROJECT"/ "$w"/
  chown -R "$BE_RUN_USER" "$w"
}

# Absolute path of the CEO's shared folder (data sets), readable by whoever runs the tests.
be_shared_dir() {
  local s="${BE_SHARED_DIR:-$BE_PROJECT/../shared}"
  [ -d "$s" ] || { printf '%s' ""; return 0; }
  s=$(cd "$s" && pwd)
  if be_is_root && ! runuser -u "$BE_RUN_USER" -- test -r "$s/data/msmarco-5k/corpus.jsonl" 2>/dev/null; then
    local copy="$BE_VAR/shared"
    rsync -a --delete "$s"/ "$copy"/ && chown -R "$BE_RUN_USER" "$copy"
    s=$copy
  fi
  printf '%s' "$s"
}

# Runs a command as the unprivileged user (root) or as is, in the work dir, with JAVA_HOME and Maven's repo.
be_run() {
  local w; w=$(be_workdir)
  if be_is_root; then
    runuser -u "$BE_RUN_USER" -- env -C "$w" \
      HOME="$(getent passwd "$BE_RUN_USER" | cut -d: -f6)" PATH="$PATH" JAVA_HOME="$JAVA_HOME" \
      MAVEN_OPTS="${MAVEN_OPTS:-}" BE_M2="$BE_VAR/m2" "$@"
  else
    (cd "$w" && BE_M2="${BE_M2:-$HOME/.m2/repository}" "$@")
  fi
}

# Maven in the work dir; -B for plain logs, the local repository of the user it runs as.
be_mvn() {
  local repo
  if be_is_root; then repo="$BE_VAR/m2"; else repo="${BE_M2:-$HOME/.m2/repository}"; fi
  be_run mvn -B -ntp -Dmaven.repo.local="$repo" -Dbe.shared.source="$(be_shared_dir)" "$@"
}

be_setup() {
  be_find_jdk
  be_need_mvn
  be_stage
}
