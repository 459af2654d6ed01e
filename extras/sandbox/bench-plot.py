#!/usr/bin/python3
"""bench-plot.py - the Python half of extras/sandbox/bench.

Subcommands (bench calls them; they can be rerun by hand on a result dir):

  time N [--set FILE KEY VALUE] -- AGENT ACTION
        run AGENT ACTION N times (environment inherited) and print one line
        per call: wall_ms <TAB> cpu_ms <TAB> exit_code. wall time is
        measured around posix_spawn + wait4 with a monotonic clock; cpu is
        user + system time of the agent and every child it waited for
        (the rusage wait4 returns). --set rewrites KEY=VALUE in a state
        file before each call (untimed; VALUE NOW: the current unix time), to
        force the periodic re-assertion or to keep a steady state steady.
        Runs inside a sandbox node; standard library only.

  procs STRACE-FILE...
        count, per strace -f output file (one agent call each), the
        programs executed besides the agent itself and the processes and
        threads created; prints execs <TAB> forks <TAB> threads <TAB> names.

  report OUTDIR
        read OUTDIR/{meta.txt,trials.tsv,actions.tsv,timelines/*} and write
        OUTDIR/results.md (the tables, also printed) and OUTDIR/timelines.png
        (chart; skipped with a message when matplotlib is missing).

Timeline lines (ganesha-sandbox timeline): <epoch_ms> <kind> <node> <detail>.
"""

import os
import re
import statistics
import sys
import time

VIP_FMT = "10.77.0.{}"


# ---- time -----------------------------------------------------------------
def set_key(path, key, value):
    if value == "NOW":
        value = str(int(time.time()))
    try:
        with open(path) as f:
            text = f.read()
    except OSError:
        return
    new = re.sub(r"(?m)^%s=.*$" % re.escape(key), "%s=%s" % (key, value), text)
    if new != text:
        tmp = path + ".bench"
        with open(tmp, "w") as f:
            f.write(new)
        os.rename(tmp, path)


def cmd_time(args):
    n = int(args[0])
    args = args[1:]
    sets = []
    while args and args[0] == "--set":
        sets.append(tuple(args[1:4]))
        args = args[4:]
    if args and args[0] == "--":
        args = args[1:]
    devnull = os.open(os.devnull, os.O_RDWR)
    fa = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
          (os.POSIX_SPAWN_DUP2, devnull, 2)]
    out = []
    for _ in range(n):
        for path, key, value in sets:
            set_key(path, key, value)
        t0 = time.perf_counter_ns()
        pid = os.posix_spawn(args[0], args, os.environ, file_actions=fa)
        _, status, ru = os.wait4(pid, 0)
        t1 = time.perf_counter_ns()
        out.append("%.3f\t%.3f\t%d" % ((t1 - t0) / 1e6,
                                       (ru.ru_utime + ru.ru_stime) * 1e3,
                                       os.waitstatus_to_exitcode(status)))
    print("\n".join(out))


# ---- procs ----------------------------------------------------------------
def strace_calls(path):
    """Complete (name, text, result) syscalls of an strace -f file."""
    pending = {}
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            m = re.match(r"^(\d+)\s+(.*)$", line)
            if not m:
                continue
            pid, rest = m.groups()
            if rest.startswith("---") or rest.startswith("+++"):
                continue
            if rest.endswith("<unfinished ...>"):
                pending[pid] = rest[: -len("<unfinished ...>")]
                continue
            r = re.match(r"^<\.\.\. (\w+) resumed>(.*)$", rest)
            if r:
                rest = pending.pop(pid, r.group(1) + "(") + r.group(2)
            c = re.match(r"^(\w+)\((.*)\)\s+=\s+(-?\d+|\?)(.*)$", rest)
            if c:
                yield c.group(1), c.group(2), c.group(3)


def cmd_procs(files):
    for path in files:
        execs = forks = threads = 0
        names = []
        first = True
        for name, text, result in strace_calls(path):
            if name == "execve":
                if result != "0":
                    continue
                if first:  # the agent itself
                    first = False
                    continue
                execs += 1
                m = re.match(r'"([^"]*)"', text)
                names.append(os.path.basename(m.group(1)) if m else "?")
            elif name in ("clone", "clone3", "fork", "vfork"):
                if result in ("?",) or int(result) <= 0:
                    continue
                if "CLONE_THREAD" in text:
                    threads += 1
                else:
                    forks += 1
        print("%d\t%d\t%d\t%s" % (execs, forks, threads, ",".join(names) or "-"))


# ---- report ---------------------------------------------------------------
def read_timeline(path):
    ev = []
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) < 3 or not p[0].isdigit():
                    continue
                ev.append((int(p[0]), p[1], p[2], p[3:]))
    except OSError:
        pass
    ev.sort(key=lambda e: e[0])
    return ev


def mark_time(ev, label):
    for t, kind, node, rest in ev:
        if kind == "mark" and rest and rest[0] == label:
            return t
    return None


def first(ev, since, pred, until=None):
    if since is None:
        return None
    for e in ev:
        if e[0] < since or (until is not None and e[0] > until):
            continue
        if e[1] == "mark":
            continue
        if pred(e):
            return e[0]
    return None


def trial_metrics(ev, victim, survivors):
    """Times in ms after the 'fail' mark; None where not observed."""
    vip = VIP_FMT.format(100 + int(victim[1:]))
    t0 = mark_time(ev, "fail")
    tr = mark_time(ev, "restore")
    if t0 is None:
        return None
    end = tr

    def rel(t):
        return None if t is None or t0 is None else t - t0

    m = {}
    m["grace_active_removed"] = rel(first(
        ev, t0, lambda e: e[1] == "attr" and e[2] == victim
        and e[3] and e[3][0] == "grace-active=(deleted)", end))
    m["ganesha_active_removed"] = rel(first(
        ev, t0, lambda e: e[1] == "attr" and e[2] == victim
        and e[3] and e[3][0] == "ganesha-active=(deleted)", end))
    for s in survivors:
        m["grace_" + s] = rel(first(
            ev, t0, lambda e, s=s: e[1] == "grace" and e[2] == s
            and e[3] == ["true"], end))
        m["ack_" + s] = rel(first(
            ev, t0, lambda e, s=s: e[1] == "attr" and e[2] == victim
            and e[3] and e[3][0] == "grace-ack-%s=1" % s, end))
    tv = first(ev, t0, lambda e: e[1] == "vip" and e[3] == ["+" + vip], end)
    m["vip_up"] = rel(tv)
    m["vip_down_victim"] = rel(first(
        ev, t0, lambda e: e[1] == "vip" and e[2] == victim and e[3] == ["-" + vip], end))
    m["vip_holder"] = next((e[2] for e in ev if e[0] == tv and e[1] == "vip"
                            and e[3] == ["+" + vip]), None)
    graces = [m["grace_" + s] for s in survivors]
    if m["vip_up"] is not None and all(g is not None for g in graces):
        m["gap"] = m["vip_up"] - max(graces)
        m["invariant"] = all(g <= m["vip_up"] for g in graces)
    else:
        m["gap"] = None
        m["invariant"] = False
    m["fence_requested"] = rel(first(
        ev, t0, lambda e: e[1] == "fence" and e[2] == victim
        and " ".join(e[3]).endswith("requested"), end))
    m["fence_done"] = rel(first(
        ev, t0, lambda e: e[1] == "fence" and e[2] == victim
        and " ".join(e[3]).startswith("off: done"), end))
    # from the cluster logs (bench appends them as 'log' lines)
    for key in ("token_lost", "membership", "fenced", "node_lost"):
        m[key] = rel(first(ev, t0, lambda e, k=key: e[1] == "log" and e[3]
                           and e[3][0] == k, end))
    # failback: VIP gone from the survivor -> up at home
    if tr is not None:
        off = first(ev, tr, lambda e: e[1] == "vip" and e[2] != victim
                    and e[3] == ["-" + vip])
        home = first(ev, tr, lambda e: e[1] == "vip" and e[2] == victim
                     and e[3] == ["+" + vip])
        m["failback_down"] = home - off if home is not None and off is not None and home >= off else None
        m["restore_to_home"] = home - tr if home is not None else None
    else:
        m["failback_down"] = m["restore_to_home"] = None
    return m


def stats(values):
    v = [x for x in values if x is not None]
    if not v:
        return None
    return statistics.median(v), min(v), max(v), len(v)


def fmt_ms(s, unit="ms", digits=0):
    if s is None:
        return "n/a"
    med, lo, hi, n = s
    f = "%%.%df" % digits
    return "%s (%s–%s)" % (f % med, f % lo, f % hi)


def fmt_s(s):
    if s is None:
        return "n/a"
    med, lo, hi, n = s
    return "%.2f s (%.2f–%.2f)" % (med / 1000, lo / 1000, hi / 1000)


def load_meta(outdir):
    meta = {}
    try:
        with open(os.path.join(outdir, "meta.txt")) as f:
            for line in f:
                if "=" in line:
                    k, v = line.rstrip("\n").split("=", 1)
                    meta[k] = v
    except OSError:
        pass
    return meta


def load_trials(outdir):
    rows = []
    try:
        with open(os.path.join(outdir, "trials.tsv")) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) < 6 or p[0] == "scenario":
                    continue
                rows.append({"scenario": p[0], "trial": int(p[1]), "victim": p[2],
                             "survivors": p[3].split(","), "status": p[4],
                             "check_rc": p[5], "dc": p[6] if len(p) > 6 else "?"})
    except OSError:
        pass
    for r in rows:
        r["events"] = read_timeline(os.path.join(
            outdir, "timelines", "%s-%02d.txt" % (r["scenario"], r["trial"])))
        r["m"] = trial_metrics(r["events"], r["victim"], r["survivors"])
    return rows


REFERENCE = {
    # GlusterFS shell agents, numbers given in the project brief (not rerun)
    "kill_vip": "10.6 s",
    "crash": "VIP start races grace; wins by 37–60 ms of luck (no ordering)",
    "failback": "5.2 s",
    "mon": ("40 ms", "6"),
    "grace": ("30 ms", "11"),
}


def scenario_table(rows, scen):
    rs = [r for r in rows if r["scenario"] == scen and r["m"] is not None]
    if not rs:
        return [], rs
    survivors = rs[0]["survivors"]
    lines = []
    M = lambda k: [r["m"].get(k) for r in rs]
    title = {"kill": "ganesha killed", "crash": "whole-node crash"}[scen]
    t0name = "kill" if scen == "kill" else "crash"
    lines.append("### Scenario %s: %s on %s (%d trial%s)" % (
        "1" if scen == "kill" else "2", title, rs[0]["victim"], len(rs),
        "" if len(rs) == 1 else "s"))
    lines.append("")
    lines.append("Times are ms after the %s, median (min–max) over the trials "
                 "where the event was observed." % t0name)
    lines.append("")
    lines.append("| metric | ganesha-ocf (this run) | n | GlusterFS shell agents (reference) |")
    lines.append("| --- | --- | --- | --- |")

    def row(name, key_or_vals, ref=""):
        vals = M(key_or_vals) if isinstance(key_or_vals, str) else key_or_vals
        s = stats(vals)
        lines.append("| %s | %s | %s | %s |" % (name, fmt_ms(s), s[3] if s else 0, ref))

    if scen == "kill":
        row("%s → grace-active removed" % t0name, "grace_active_removed")
        for s in survivors:
            row("%s → grace-ack-%s on %s" % (t0name, s, rs[0]["victim"]), "ack_" + s)
        row("%s → ganesha-active removed" % t0name, "ganesha_active_removed")
        row("%s → VIP removed from %s" % (t0name, rs[0]["victim"]), "vip_down_victim")
        move = [None if r["m"]["vip_up"] is None or r["m"]["ganesha_active_removed"] is None
                else r["m"]["vip_up"] - r["m"]["ganesha_active_removed"] for r in rs]
        row("ganesha-active removed → VIP up (Pacemaker moves the group)", move)
    else:
        row("%s → corosync token lost (survivor log)" % t0name, "token_lost")
        row("%s → new membership (survivor log)" % t0name, "membership")
        row("%s → fence agent called" % t0name, "fence_requested")
        row("%s → fence agent done" % t0name, "fence_done")
        row("%s → fencing confirmed (pacemaker-fenced log)" % t0name, "fenced")
        row("%s → victim's attributes purged" % t0name, "grace_active_removed")
    for s in survivors:
        row("%s → %s in grace" % (t0name, s), "grace_" + s)
    row("%s → VIP up on a survivor" % t0name, "vip_up",
        REFERENCE["kill_vip"] + " median" if scen == "kill" else "")
    row("grace-to-VIP gap (VIP up − last survivor in grace; > 0 = grace first)", "gap",
        "" if scen == "kill" else REFERENCE["crash"])
    if scen == "crash":
        budget = [None if r["m"]["vip_up"] is None or r["m"]["fence_done"] is None
                  else r["m"]["vip_up"] - r["m"]["fence_done"] for r in rs]
        row("VIP up − fence agent done (budget: ≤ 1000)", budget)
    row("failback VIP downtime (gone from survivor → up at home)", "failback_down",
        REFERENCE["failback"])
    row("restore (ganesha start / node boot) → VIP at home", "restore_to_home")
    inv = sum(1 for r in rs if r["m"]["invariant"])
    inv_tool = sum(1 for r in rs if r["check_rc"] == "0")
    lines.append("| invariant held (every survivor in grace before the VIP came up) | "
                 "**%d / %d** (timeline check: %d / %d) | %d | %s |" % (
                     inv, len(rs), inv_tool, len(rs), len(rs),
                     "not guaranteed" if scen == "crash" else ""))
    lines.append("")
    ndc = sum(1 for r in rs if r["dc"] == r["victim"])
    lines.append("The victim was the DC in %d of %d trials." % (ndc, len(rs)))
    lines.append("")
    lines.append("<details><summary>per trial (ms)</summary>")
    lines.append("")
    hdr = ["trial", "status", "DC"]
    keys = []
    if scen == "crash":
        keys += [("membership", "membership"), ("fence_done", "fenced")]
    else:
        keys += [("grace_active_removed", "grace-active gone")]
    keys += [("grace_" + s, s + " grace") for s in survivors]
    keys += [("vip_up", "VIP up"), ("vip_holder", "on"), ("gap", "gap"),
             ("invariant", "invariant"), ("failback_down", "failback down")]
    lines.append("| " + " | ".join(hdr + [k[1] for k in keys]) + " |")
    lines.append("|" + " --- |" * (len(hdr) + len(keys)))
    for r in rs:
        cells = [str(r["trial"]), r["status"], r["dc"]]
        for k, _ in keys:
            v = r["m"].get(k)
            cells.append("n/a" if v is None else ("yes" if v is True else "NO" if v is False else str(v)))
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("</details>")
    lines.append("")
    bad = [r for r in rs if r["status"] != "ok"]
    if bad:
        lines.append("Trials with problems: " + ", ".join(
            "%s-%02d (%s)" % (r["scenario"], r["trial"], r["status"]) for r in bad))
        lines.append("")
    return lines, rs


def action_table(outdir):
    path = os.path.join(outdir, "actions.tsv")
    data = {}
    order = []
    try:
        with open(path) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) < 4 or p[0] == "action":
                    continue
                if p[0] not in data:
                    data[p[0]] = {"wall": [], "cpu": [], "rc": []}
                    order.append(p[0])
                data[p[0]]["wall"].append(float(p[1]))
                data[p[0]]["cpu"].append(float(p[2]))
                data[p[0]]["rc"].append(int(p[3]))
    except OSError:
        return []
    procs = {}
    try:
        with open(os.path.join(outdir, "actions-procs.tsv")) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) < 5 or p[0] == "action":
                    continue
                procs.setdefault(p[0], []).append(
                    (int(p[1]), int(p[2]), int(p[3]), p[4]))
    except OSError:
        pass
    desc = {}
    try:
        with open(os.path.join(outdir, "actions-desc.tsv")) as f:
            for line in f:
                p = line.rstrip("\n").split("\t", 1)
                if len(p) == 2:
                    desc[p[0]] = p[1]
    except OSError:
        pass
    lines = ["| action | calls | wall ms median (min–max) | p90 | CPU ms median (min–max) | "
             "execs / call | forks / call | threads / call | programs run | rc ≠ 0 |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for a in order:
        d = data[a]
        w = sorted(d["wall"])
        p90 = w[min(len(w) - 1, int(round(0.9 * (len(w) - 1))))]
        pr = procs.get(a, [])
        if pr:
            ex = statistics.median([x[0] for x in pr])
            fo = statistics.median([x[1] for x in pr])
            th = statistics.median([x[2] for x in pr])
            names = {}
            for x in pr:
                for nm in x[3].split(","):
                    if nm != "-":
                        names[nm] = names.get(nm, 0) + 1
            nm = ", ".join("%s×%g" % (k, v / len(pr)) for k, v in sorted(names.items())) or "none"
            exs = "%g (%d–%d)" % (ex, min(x[0] for x in pr), max(x[0] for x in pr))
            fos = "%g (%d–%d)" % (fo, min(x[1] for x in pr), max(x[1] for x in pr))
            ths = "%g" % th
        else:
            exs = fos = ths = "n/a"
            nm = "n/a"
        lines.append("| %s | %d | %s | %.2f | %s | %s | %s | %s | %s | %d |" % (
            desc.get(a, a), len(w), fmt_ms(stats(d["wall"]), digits=2), p90,
            fmt_ms(stats(d["cpu"]), digits=2), exs, fos, ths, nm,
            sum(1 for r in d["rc"] if r != 0)))
    lines.append("| GlusterFS shell agents (reference): steady ganesha_mon monitor | | "
                 "%s | | | %s processes | | | | |" % REFERENCE["mon"])
    lines.append("| GlusterFS shell agents (reference): steady ganesha_grace monitor | | "
                 "%s | | | %s processes | | | | |" % REFERENCE["grace"])
    return lines


def chart(rows, outdir):
    png = os.path.join(outdir, "timelines.png")
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except Exception as e:  # noqa: BLE001 - any import failure means no chart
        return "chart skipped: matplotlib missing (%s)" % e.__class__.__name__
    scens = [s for s in ("kill", "crash") if any(r["scenario"] == s and r["m"] for r in rows)]
    if not scens:
        return "chart skipped: no trials"
    counts = [max(1, sum(1 for r in rows if r["scenario"] == s and r["m"])) for s in scens]
    fig, axes = plt.subplots(len(scens), 1, squeeze=False,
                             figsize=(12, sum(1.4 + 0.42 * c for c in counts)),
                             gridspec_kw={"height_ratios": [1.4 + 0.42 * c for c in counts]})
    for ax, scen in zip(axes[:, 0], scens):
        rs = [r for r in rows if r["scenario"] == scen and r["m"]]
        seen = set()

        def pt(x, y, style, label, size=60):
            if x is None:
                return
            kw = {"label": label} if label not in seen else {}
            seen.add(label)
            ax.scatter([x / 1000], [y], marker=style[0], color=style[1], s=size, zorder=3, **kw)

        for i, r in enumerate(rs):
            m = r["m"]
            y = i
            if m["vip_up"] is not None:
                ax.plot([0, m["vip_up"] / 1000], [y, y], color="0.8", lw=6, zorder=1,
                        solid_capstyle="butt")
            if scen == "kill":
                pt(m["grace_active_removed"], y, ("v", "tab:orange"), "grace-active removed")
            else:
                pt(m["membership"], y, ("|", "tab:gray"), "new membership", 200)
                pt(m["fence_done"], y, ("v", "tab:orange"), "fencing done")
            for k, s in enumerate(r["survivors"]):
                pt(m["grace_" + s], y + (k - 0.5) * 0.18, ("o", ["tab:blue", "tab:cyan", "tab:purple", "tab:olive"][k % 4]),
                   "%s in grace" % s, 40)
            pt(m["vip_up"], y, ("*", "tab:red" if not m["invariant"] else "tab:green"),
               "VIP up (green: invariant held)", 140)
        ax.set_yticks(range(len(rs)))
        ax.set_yticklabels(["trial %d" % r["trial"] for r in rs])
        ax.invert_yaxis()
        ax.set_xlabel("seconds after the %s" % ("kill of ganesha" if scen == "kill" else "node crash"))
        ax.set_title("%s on %s: failover timeline per trial" % (
            "ganesha killed" if scen == "kill" else "whole-node crash", rs[0]["victim"]))
        ax.grid(axis="x", alpha=0.4)
        ax.set_xlim(left=0)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8,
                  borderaxespad=0)
    fig.tight_layout()
    fig.savefig(png, dpi=110)
    return "chart: %s" % png


def cmd_report(args):
    outdir = args[0]
    meta = load_meta(outdir)
    rows = load_trials(outdir)
    lines = ["## Results", ""]
    for k in ("date", "command", "host", "cpu", "kernel", "memory", "versions", "agents",
              "method"):
        if k in meta:
            lines.append("- **%s**: %s" % (k, meta[k]))
    lines.append("")
    for scen in ("kill", "crash"):
        t, _ = scenario_table(rows, scen)
        lines += t
    at = action_table(outdir)
    if at:
        lines.append("### Agent actions (one call each, inside node %s)" % meta.get("action_node", "n1"))
        lines.append("")
        lines += at
        lines.append("")
    msg = chart(rows, outdir)
    lines.append("Chart of the failover timelines: `timelines.png`." if msg.startswith("chart:") else msg)
    text = "\n".join(lines) + "\n"
    print(msg, file=sys.stderr)
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    return 0


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help", "help"):
        print(__doc__)
        return 0
    cmd, args = argv[1], argv[2:]
    if cmd == "time":
        cmd_time(args)
    elif cmd == "procs":
        cmd_procs(args)
    elif cmd == "report":
        return cmd_report(args)
    else:
        print("bench-plot.py: unknown subcommand %s" % cmd, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
