#!/usr/bin/env bash
# Installs usersync as a systemd service (run as root from the repository):
#
#   scripts/install.sh                      build (release) and install
#   scripts/install.sh --no-build --binary PATH
#                                           install an already built binary
#   scripts/install.sh --uninstall          stop, disable, remove binary and unit
#                                           (keeps /etc/usersync and /var/lib/usersync)
#
# Options:
#   --prefix DIR     install the binary under DIR/bin (default /usr/local); the unit's
#                    ExecStart= etc. are rewritten to match
#   --no-build       do not run `swift build`; use --binary PATH (default .build/release/usersync)
#   --binary PATH    the usersync binary to install (implies --no-build)
#   --uninstall      remove what install put in place, except config, secrets and state
# Environment:
#   DESTDIR          stage everything under this directory instead of / (for packaging and
#                    testing): no account is created, no file is chown'ed, systemctl is
#                    never called. Root is not required then.
#
# Idempotent: running it again replaces the binary and the unit, never the config file.
set -euo pipefail
cd "$(dirname "$0")/.."

prefix=/usr/local
build=1
binary=""
uninstall=0
destdir=${DESTDIR:-}
destdir=${destdir%/}

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "install.sh: $*" >&2; exit 1; }

while (($#)); do
    case $1 in
        --prefix) [[ $# -ge 2 ]] || die "--prefix needs a directory"; prefix=$2; shift 2 ;;
        --prefix=*) prefix=${1#*=}; shift ;;
        --no-build) build=0; shift ;;
        --binary) [[ $# -ge 2 ]] || die "--binary needs a path"; binary=$2; build=0; shift 2 ;;
        --binary=*) binary=${1#*=}; build=0; shift ;;
        --uninstall) uninstall=1; shift ;;
        -h | --help) usage; exit 0 ;;
        *) die "unknown argument: $1 (see --help)" ;;
    esac
done
[[ $prefix == /* ]] || die "--prefix must be an absolute path, got '$prefix'"
prefix=${prefix%/}

# Where things go. The unit file is always edited for $prefix, never for $DESTDIR: DESTDIR is
# a staging root, the paths inside files are those of the final system.
bin_path=$prefix/bin/usersync
doc_dir=$prefix/share/doc/usersync
unit_path=/etc/systemd/system/usersync.service
config_dir=/etc/usersync
config_path=$config_dir/usersync.yaml
credentials_dir=$config_dir/credentials
state_dir=/var/lib/usersync
account=usersync

real_system=0
[[ -z $destdir ]] && real_system=1
# systemctl only on the real system, and only when systemd is the running init.
systemd_running=0
[[ $real_system -eq 1 && -d /run/systemd/system ]] && systemd_running=1

if [[ $real_system -eq 1 && $EUID -ne 0 ]]; then
    die "run as root (or set DESTDIR=/some/dir to stage the files without touching the system)"
fi

# --- uninstall ---------------------------------------------------------------------------
if [[ $uninstall -eq 1 ]]; then
    if [[ $systemd_running -eq 1 ]] && systemctl cat usersync.service >/dev/null 2>&1; then
        echo "== stopping and disabling usersync.service"
        systemctl disable --now usersync.service || true
    fi
    for f in "$destdir$bin_path" "$destdir$unit_path"; do
        if [[ -e $f ]]; then
            rm -f -- "$f"
            echo "removed $f"
        fi
    done
    if [[ -d $destdir$doc_dir ]]; then
        rm -rf -- "$destdir$doc_dir"
        echo "removed $destdir$doc_dir"
    fi
    if [[ $systemd_running -eq 1 ]]; then
        systemctl daemon-reload
        systemctl reset-failed usersync.service 2>/dev/null || true
    fi
    echo
    echo "Kept (delete them yourself if you no longer need them):"
    printf '  %-42s %s\n' \
        "$destdir$config_dir" "config and credentials" \
        "$destdir$state_dir" "state: outbox, snapshot, dead letters" \
        "$destdir$unit_path.d/" "your drop-ins, if any" \
        "the '$account' system account" "userdel $account, once the files above are gone"
    exit 0
fi

# --- build -------------------------------------------------------------------------------
if [[ $build -eq 1 ]]; then
    command -v swift >/dev/null 2>&1 || die "swift not found in PATH (or build elsewhere and pass --binary PATH)"
    echo "== building usersync (release, Swift runtime linked statically)"
    # --static-swift-stdlib: the Swift runtime and Foundation are linked into the binary. A
    # dynamically linked binary loads them from the toolchain it was built with (RUNPATH), so
    # it would break when that toolchain is upgraded or removed (Swift has no stable ABI on
    # Linux), and could not start at all if the toolchain lives under /home or /root, which
    # the service's ProtectHome=yes hides.
    swift build -c release --product usersync --static-swift-stdlib
    binary=$(swift build -c release --show-bin-path)/usersync
fi
binary=${binary:-.build/release/usersync}
[[ -f $binary && -x $binary ]] || die "no executable usersync binary at '$binary' (build it, or pass --binary PATH)"

# --- account -----------------------------------------------------------------------------
# A static system account (see the comment at User= in the unit for why not DynamicUser=).
group_ok=0
if [[ $real_system -eq 1 ]]; then
    if ! getent group "$account" >/dev/null; then
        groupadd --system "$account"
        echo "created group $account"
    fi
    if ! getent passwd "$account" >/dev/null; then
        nologin=/usr/sbin/nologin
        [[ -x $nologin ]] || nologin=/sbin/nologin
        [[ -x $nologin ]] || nologin=/bin/false
        useradd --system --gid "$account" --home-dir "$state_dir" --no-create-home \
            --shell "$nologin" --comment "usersync daemon" "$account"
        echo "created user $account"
    fi
    group_ok=1
else
    echo "note: DESTDIR set: the '$account' account is not created and nothing is chown'ed"
fi

# --- files -------------------------------------------------------------------------------
echo "== installing into ${destdir:-/}"
install -d -m 0755 "$destdir$prefix/bin" "$destdir$doc_dir" "$destdir/etc/systemd/system"
# install(1) writes a new file and renames it into place: a running service keeps its old
# binary until it is restarted.
install -m 0755 "$binary" "$destdir$bin_path"
echo "installed $destdir$bin_path"
install -m 0644 README.md "$destdir$doc_dir/README.md"

# /etc/usersync: root-owned 0755 (the unit's ConfigurationDirectoryMode=). What is private is
# inside: the config is root:usersync 0640 (it may hold inline secrets or internal paths),
# credentials/ is root 0700.
install -d -m 0755 "$destdir$config_dir"
# The config: installed from the example only when there is none. Never overwritten.
if [[ -e $destdir$config_path ]]; then
    echo "kept existing $destdir$config_path (not overwritten)"
    # Only a warning: the operator may have set ownership on purpose (ACLs, another group).
    if [[ $group_ok -eq 1 ]] && ! runuser -u "$account" -- test -r "$config_path"; then
        echo "warning: user $account cannot read $config_path; the service will not start." \
            "Fix: chgrp $account $config_path && chmod 0640 $config_path"
    fi
else
    if [[ $group_ok -eq 1 ]]; then
        install -m 0640 -o root -g "$account" config/usersync.example.yaml "$destdir$config_path"
    else
        install -m 0640 config/usersync.example.yaml "$destdir$config_path"
    fi
    echo "installed $destdir$config_path (from config/usersync.example.yaml; edit it)"
fi
# Credentials: root only. systemd (as root) reads them at start (LoadCredential=) and hands
# the service a private copy; the service account itself never reads this directory.
install -d -m 0700 "$destdir$credentials_dir"
if [[ $real_system -eq 1 ]]; then chown root:root "$credentials_dir"; fi

# The unit: always replaced (local changes belong in drop-ins: systemctl edit usersync).
# Written to a temporary file first so a half-written unit is never seen by systemd.
unit_tmp=$(mktemp)
trap 'rm -f "$unit_tmp"' EXIT
sed -e "s#/usr/local/bin/usersync#$bin_path#g" \
    -e "s#file:///usr/local/share/doc/usersync/#file://$doc_dir/#g" \
    systemd/usersync.service >"$unit_tmp"
install -m 0644 "$unit_tmp" "$destdir$unit_path"
echo "installed $destdir$unit_path"

if [[ $systemd_running -eq 1 ]]; then
    systemctl daemon-reload
    echo "systemctl daemon-reload: done"
elif [[ $real_system -eq 1 ]]; then
    echo "note: systemd is not running here (no /run/systemd/system): skipped daemon-reload"
fi

restart_hint=""
if [[ $systemd_running -eq 1 ]] && systemctl is-active --quiet usersync.service; then
    restart_hint="
usersync is running the previous binary: restart it to use this one:
  systemctl restart usersync
"
fi

cat <<EOF
$restart_hint
Next steps:
  1. Put the secrets (each read from a variable, never typed on the command line):
       printf '%s' "\$PERFORMCHAT_KEY_SECRET" | install -m 0600 /dev/stdin $credentials_dir/performchat-key-secret
       printf '%s' "\$COMMBOX_TOKEN"          | install -m 0600 /dev/stdin $credentials_dir/commbox-token
  2. Edit $config_path (source.path, key_id, ...), then check it:
       CREDENTIALS_DIRECTORY=$credentials_dir $bin_path check --config $config_path
     Let the service read the source, e.g.: setfacl -m u:$account:r /srv/app/users.jsonl
  3. Start it, now and at boot:
       systemctl enable --now usersync
       journalctl -u usersync -f
EOF
