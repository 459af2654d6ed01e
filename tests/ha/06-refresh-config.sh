#!/bin/bash
# ganesha-ha.sh refresh-config: the Export_Id comes from
# <HA_CONFDIR>/exports/export.<vol>.conf, UpdateExport goes to every
# configured node (the local one through dbus-send, the others through
# GANESHA_HA_REMOTE_EXEC), a failure on one node is reported and makes the
# exit code non-zero, and --dry-run runs nothing.
set -uo pipefail   # no -e: a failing check must print "not ok", not end the run
# shellcheck source=tests/ha/lib/tap.sh
. "$(dirname "$0")/lib/tap.sh"

command -v xmllint >/dev/null 2>&1 || tap_skip_all "xmllint missing"
tap_plan 8

fake_bin nocluster
# crm_node -n names the local node n1; dbus-send records its argv
printf '#!/bin/sh\necho n1\n' >"$T/bin/crm_node"
cat >"$T/bin/dbus-send" <<EOF
#!/bin/sh
echo "local \$*" >>"$T/calls"
echo "method return"
EOF
cat >"$T/runner" <<EOF
#!/bin/sh
node=\$1; shift
echo "remote \$node \$*" >>"$T/calls"
[ "\$node" = n3 ] && [ -e "$T/fail-n3" ] && exit 1
exit 0
EOF
chmod +x "$T/bin/crm_node" "$T/bin/dbus-send" "$T/runner"
export GANESHA_HA_REMOTE_EXEC="$T/runner"

C=$T/conf
write_conf "$C" <<EOF
HA_NAME=x
HA_CLUSTER_NODES="n1,n2,n3"
VIP_n1=10.0.0.1
VIP_n2=10.0.0.2
VIP_n3=10.0.0.3
EOF
mkdir -p "$C/exports"
cat >"$C/exports/export.vol1.conf" <<EOF
# export of vol1
EXPORT {
      Export_Id = 7 ;
      Path = "/vol1";
}
EOF

: >"$T/calls"
rc=0
"$GHA" refresh-config "$C" vol1 >"$T/out" 2>"$T/err" || rc=$?
ok "$rc" "refresh-config vol1 succeeds"
want="org.ganesha.nfsd.exportmgr.UpdateExport string:$C/exports/export.vol1.conf string:EXPORT(Export_Id=7)"
grep -q "^local .*--dest=org.ganesha.nfsd /org/ganesha/nfsd/ExportMgr $want\$" "$T/calls"
ok $? "local node: dbus-send UpdateExport with Export_Id=7"
[[ $(grep -c "^remote n[23] dbus-send .*$want\$" "$T/calls") == 2 ]] && ! grep -q '^remote n1' "$T/calls"
ok $? "n2 and n3 through GANESHA_HA_REMOTE_EXEC, not n1"
grep -q 'Refresh-config completed on n2.' "$T/out" && grep -q 'Success: refresh-config completed.' "$T/out"
ok $? "upstream's per-node messages"

touch "$T/fail-n3"
rc=0
"$GHA" refresh-config "$C" vol1 >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -q 'Refresh-config failed on n3' "$T/err" && grep -q 'failed on: n3' "$T/err" &&
    grep -q 'Success: refresh-config completed.' "$T/out"
ok $? "a failing node is named, the others still done, exit 1"
rm -f "$T/fail-n3"

: >"$T/calls"
rc=0
"$GHA" --dry-run refresh-config "$C" vol1 >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 0 && ! -s $T/calls ]] && grep -q 'UpdateExport' "$T/out"
ok $? "--dry-run prints the calls and runs none"

rc=0
"$GHA" refresh-config "$C" nosuchvol >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 1 ]] && grep -q 'export.nosuchvol.conf: no such export file' "$T/err"
ok $? "missing export file: clear error"
rc=0
"$GHA" refresh-config "$C" '../x' >"$T/out" 2>"$T/err" || rc=$?
[[ $rc == 2 ]]
ok $? "export name with a path: refused (exit 2)"

tap_done
