/*
 * synguard: drop, rather than refuse, a new NFS connection to a held VIP
 * that nothing listens for (see synguard.h).
 */
#include "config.h"

#include "synguard.h"

#include "log.h"
#include "run.h"

#include <arpa/inet.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* Most INPUT rules of one address removed by one stop (duplicates left by
 * an interrupted start included). */
#define SYNGUARD_MAX_RULES 16

/* iptables' own wait for the xtables lock, in seconds (legacy backend). */
#define SYNGUARD_LOCK_WAIT "3"

bool synguard_is_ipv6(const char *ip)
{
    unsigned char buf[sizeof(struct in6_addr)];

    return ip != NULL && inet_pton(AF_INET6, ip, buf) == 1;
}

bool synguard_valid(const char *ip, int port)
{
    unsigned char buf[sizeof(struct in6_addr)];

    if (ip == NULL || port < 1 || port > 65535) {
        return false;
    }
    return inet_pton(AF_INET, ip, buf) == 1 ||
           inet_pton(AF_INET6, ip, buf) == 1;
}

char **synguard_rule(const char *ip, int port)
{
    GPtrArray *a;

    if (!synguard_valid(ip, port)) {
        return NULL;
    }
    a = g_ptr_array_new();
    g_ptr_array_add(a, g_strdup("-d"));
    g_ptr_array_add(
        a, g_strdup_printf("%s/%d", ip, synguard_is_ipv6(ip) ? 128 : 32));
    g_ptr_array_add(a, g_strdup("-p"));
    g_ptr_array_add(a, g_strdup("tcp"));
    g_ptr_array_add(a, g_strdup("--dport"));
    g_ptr_array_add(a, g_strdup_printf("%d", port));
    g_ptr_array_add(a, g_strdup("--syn"));
    g_ptr_array_add(a, g_strdup("-j"));
    g_ptr_array_add(a, g_strdup(SYNGUARD_CHAIN));
    g_ptr_array_add(a, NULL);
    return (char **)g_ptr_array_free(a, FALSE);
}

char *synguard_restore_input(const char *ip, int port, bool with_jump)
{
    g_auto(GStrv) rule = synguard_rule(ip, port);
    GString *s;

    if (rule == NULL) {
        return NULL;
    }
    s = g_string_new("*filter\n");
    /* with --noflush, a declared user chain is created or flushed */
    g_string_append(s, ":" SYNGUARD_CHAIN " - [0:0]\n");
    g_string_append(s,
                    "-A " SYNGUARD_CHAIN " -m socket --nowildcard -j RETURN\n");
    g_string_append(s, "-A " SYNGUARD_CHAIN " -j DROP\n");
    if (with_jump) {
        g_autofree char *joined = g_strjoinv(" ", rule);

        g_string_append_printf(s, "-I INPUT %s\n", joined);
    }
    g_string_append(s, "COMMIT\n");
    return g_string_free(s, FALSE);
}

/* The refusal of a bad address or port, for add and remove alike. */
static int synguard_refuse(const char *ip, int port, char **ret_why)
{
    *ret_why = g_strdup_printf("'%s' port %d is not an address and port",
                               ip != NULL ? ip : "", port);
    return -EINVAL;
}

/* Runs "<tool> -w N <op> INPUT <rule>"; 0 and the tool's exit status in
 * *ret_status, or a negative errno with *ret_why. */
static int synguard_rule_op(const char *op, const char *ip, int port,
                            int64_t deadline, int *ret_status, char **ret_why)
{
    g_auto(GStrv) rule = synguard_rule(ip, port);
    /* tool, -w, N, op, INPUT, the rule's arguments, NULL */
    const char *argv[5 + 9 + 1] = {synguard_is_ipv6(ip) ? "ip6tables"
                                                        : "iptables",
                                   "-w", SYNGUARD_LOCK_WAIT, op, "INPUT"};
    struct run_result res = {0};
    int n = 5;
    int r;

    for (char **p = rule; *p != NULL && n < (int)G_N_ELEMENTS(argv) - 1; p++) {
        argv[n++] = *p;
    }
    argv[n] = NULL;
    r = run_argv(argv, deadline, &res);
    if (r < 0) {
        *ret_why =
            g_strdup_printf("%s %s: %s", argv[0], op,
                            r == -ENOENT ? "not installed" : g_strerror(-r));
        run_result_clear(&res);
        return r;
    }
    *ret_status = res.exit_status;
    run_result_clear(&res);
    return 0;
}

int synguard_add(const char *ip, int port, int64_t deadline, char **ret_why)
{
    g_autofree char *input = NULL;
    g_autofree char *path = NULL;
    g_autoptr(GError) error = NULL;
    struct run_result res = {0};
    int status = -1;
    ssize_t written;
    int fd;
    int r;

    if (!synguard_valid(ip, port)) {
        return synguard_refuse(ip, port, ret_why);
    }
    r = synguard_rule_op("-C", ip, port, deadline, &status, ret_why);
    if (r < 0) {
        return r;
    }
    input = synguard_restore_input(ip, port, status != 0);
    fd = g_file_open_tmp("ganesha-syn-guard.XXXXXX", &path, &error);
    if (fd < 0) {
        *ret_why =
            g_strdup_printf("cannot write the rules: %s", error->message);
        return -EIO;
    }
    written = write(fd, input, strlen(input));
    if (written != (ssize_t)strlen(input)) {
        r = written < 0 ? -errno : -EIO; /* a short write sets no errno */
        close(fd);
        (void)g_unlink(path);
        *ret_why =
            g_strdup_printf("cannot write the rules: %s", g_strerror(-r));
        return r;
    }
    close(fd);
    {
        const char *argv[] = {synguard_is_ipv6(ip) ? "ip6tables-restore"
                                                   : "iptables-restore",
                              "-w",
                              SYNGUARD_LOCK_WAIT,
                              "-n",
                              path,
                              NULL};

        r = run_argv(argv, deadline, &res);
        (void)g_unlink(path);
        if (r < 0) {
            *ret_why = g_strdup_printf("%s: %s", argv[0],
                                       r == -ENOENT ? "not installed"
                                                    : g_strerror(-r));
            run_result_clear(&res);
            return r;
        }
        if (res.exit_status != 0) {
            g_autofree char *line = run_first_line(res.err);

            *ret_why = g_strdup_printf("%s exited with %d: %s", argv[0],
                                       res.exit_status, line);
            run_result_clear(&res);
            return -EIO;
        }
    }
    run_result_clear(&res);
    return 0;
}

int synguard_remove(const char *ip, int port, int64_t deadline, char **ret_why)
{
    if (!synguard_valid(ip, port)) {
        return synguard_refuse(ip, port, ret_why);
    }
    for (int i = 0; i < SYNGUARD_MAX_RULES; i++) {
        int status = -1;
        int r = synguard_rule_op("-D", ip, port, deadline, &status, ret_why);

        if (r < 0) {
            return r;
        }
        if (status != 0) {
            break; /* none (left) */
        }
    }
    return 0;
}
