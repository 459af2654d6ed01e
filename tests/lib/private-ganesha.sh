#!/bin/sh
# private-ganesha.sh: a private D-Bus system bus and a real ganesha.nfsd on
# 127.0.0.1 for tests, all under one directory; nothing global is touched.
# In a network namespace of its own whose only IPv4 address is 127.0.0.1
# (a one-node test cluster), ganesha cannot resolve Bind_Addr=127.0.0.1:
# there, and only there, start gives that namespace's loopback the private
# address LO_ADDR (routed nowhere) and stop takes it away again.
#
#   private-ganesha.sh start DIR    start both; prints DBUS_SYSTEM_BUS_ADDRESS=...
#   private-ganesha.sh hold DIR     plant a client record so grace is held
#   private-ganesha.sh stop DIR     stop both (by their pid files)
#   private-ganesha.sh usable       exit 0 if root and the programs exist
#
# Never sleeps blindly: every wait polls a condition with a bound.
set -eu

die() { echo "private-ganesha: $*" >&2; exit 1; }

usable() {
    [ "$(id -u)" -eq 0 ] || return 1
    for p in dbus-daemon dbus-send ganesha.nfsd ss; do
        command -v "$p" >/dev/null 2>&1 || return 1
    done
    [ -f /etc/dbus-1/system.d/nfs-ganesha-dbus.conf ] || return 1
}

# poll CMD... until it succeeds, for at most $1 tenths of a second
poll() {
    n=$1; shift
    while [ "$n" -gt 0 ]; do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
        n=$((n - 1))
    done
    return 1
}

free_port() {
    p=$(( 20000 + $$ % 20000 ))
    i=0
    while [ $i -lt 200 ]; do
        if ! ss -Hltn "sport = :$p" | grep -q .; then echo "$p"; return 0; fi
        p=$((p + 1)); i=$((i + 1))
    done
    die "no free port"
}

# The address given to such a namespace's loopback: private, routed nowhere.
LO_ADDR=10.255.255.1/32

# Whether this runs in a network namespace that one of its own ancestors
# entered (unshare, nsenter, ip netns exec): an ancestor is in another one.
# Not pid 1's: /proc/1/ns may be unreadable even to root in a container.
# Any doubt (an unreadable link, no ancestor left) answers no.
own_netns() {
    self=$(readlink /proc/self/ns/net 2>/dev/null) || return 1
    pid=$$
    while :; do
        pid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$pid/status" 2>/dev/null)
        case $pid in '' | 0 | *[!0-9]*) return 1 ;; esac
        ns=$(readlink "/proc/$pid/ns/net" 2>/dev/null) || return 1
        [ -n "$ns" ] || return 1
        [ "$ns" = "$self" ] || return 0
    done
}

# ganesha resolves Bind_Addr with AI_ADDRCONFIG, which finds no IPv4 address
# for 127.0.0.1 unless some non-loopback IPv4 address exists ("No IP address
# found for 127.0.0.1"). Only in a namespace of our own, never on the host's
# loopback, and only where nothing else provides one; remembered in DIR for
# stop.
lo_addr_add() {
    dir=$1
    own_netns || return 0
    command -v ip >/dev/null 2>&1 || die "ip not found (needed in a namespace)"
    if ip -4 -o addr show | grep -v 'inet 127\.' | grep -q inet; then
        return 0
    fi
    ip addr add "$LO_ADDR" dev lo || die "cannot add $LO_ADDR to lo"
    echo "$LO_ADDR" > "$dir/lo-addr"
}

lo_addr_del() {
    dir=$1
    [ -f "$dir/lo-addr" ] || return 0
    ip addr del "$(cat "$dir/lo-addr")" dev lo 2>/dev/null || true
    rm -f "$dir/lo-addr"
}

get_grace() {
    dbus-send --system --print-reply --reply-timeout=1000 \
        --dest=org.ganesha.nfsd /org/ganesha/nfsd/admin \
        org.ganesha.nfsd.admin.get_grace
}

start() {
    dir=$1
    mkdir -p "$dir/recovery" "$dir/export"
    dir=$(cd "$dir" && pwd)
    sock="$dir/system_bus_socket"
    cat > "$dir/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$sock</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <includedir>/etc/dbus-1/system.d</includedir>
</busconfig>
CONF
    lo_addr_add "$dir"
    port=$(free_port)
    cat > "$dir/ganesha.conf" <<CONF
NFS_CORE_PARAM {
    Protocols = 4; Enable_NLM = false; Enable_RQUOTA = false;
    Enable_UDP = false; Bind_Addr = 127.0.0.1; NFS_Port = $port;
}
NFSV4 {
    Grace_Period = 20; Lease_Lifetime = 10;
    RecoveryBackend = fs; RecoveryRoot = "$dir/recovery";
}
EXPORT {
    Export_Id = 1; Path = "$dir/export"; Pseudo = /export;
    Access_Type = RW; Squash = No_Root_Squash; Protocols = 4;
    Transports = TCP; FSAL { Name = VFS; }
}
CONF
    dbus-daemon --config-file="$dir/bus.conf" --fork --print-pid \
        > "$dir/dbus.pid" || die "dbus-daemon did not start"
    poll 50 test -S "$sock" || die "no bus socket at $sock"
    DBUS_SYSTEM_BUS_ADDRESS="unix:path=$sock"
    export DBUS_SYSTEM_BUS_ADDRESS
    ganesha.nfsd -f "$dir/ganesha.conf" -L "$dir/ganesha.log" -N NIV_EVENT \
        -p "$dir/ganesha.pid" || die "ganesha.nfsd did not start"
    # ganesha exits 0 once forked even if it fails later: wait for D-Bus.
    poll 100 get_grace || die "ganesha did not answer on D-Bus (see $dir/ganesha.log)"
    echo "DBUS_SYSTEM_BUS_ADDRESS=$DBUS_SYSTEM_BUS_ADDRESS"
}

hold() {
    dir=$1
    # A client record to reclaim keeps ganesha in grace for Grace_Period.
    mkdir -p "$dir/recovery/v4recov/node0/127.0.0.99-(5:abcde)"
}

stop_pidfile() {
    f=$1
    [ -f "$f" ] || return 0
    pid=$(cat "$f")
    case $pid in ''|*[!0-9]*) rm -f "$f"; return 0 ;; esac
    kill -CONT "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
    # gone, or a zombie waiting for its reaper
    poll 50 sh -c "! test -d /proc/$pid || grep -q '^State:.*Z' /proc/$pid/status" || true
    rm -f "$f"
}

stop() {
    dir=$1
    stop_pidfile "$dir/ganesha.pid"
    stop_pidfile "$dir/dbus.pid"
    rm -f "$dir/system_bus_socket"
    lo_addr_del "$dir"
}

case ${1:-} in
start) [ $# -eq 2 ] || die "usage: $0 start DIR"; start "$2" ;;
hold)  [ $# -eq 2 ] || die "usage: $0 hold DIR"; hold "$2" ;;
stop)  [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop "$2" ;;
usable) usable ;;
*) die "usage: $0 start|hold|stop DIR | usable" ;;
esac
