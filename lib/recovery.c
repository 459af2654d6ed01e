/*
 * recovery: reads the client records of ganesha's fs recovery backend
 * (recovery_fs.c: a directory per client named "<addr>-(<len>:<owner>)").
 */
#include "config.h"

#include "recovery.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int recovery_record_owner(const char *name, char **ret_owner)
{
    const char *open_paren, *colon, *end;
    char *stop = NULL;
    unsigned long len;

    if (name == NULL) {
        return -EINVAL;
    }
    /* the address never holds "-(", the owner may: take the first one */
    open_paren = strstr(name, "-(");
    if (open_paren == NULL || open_paren == name) {
        return -EINVAL;
    }
    if (open_paren[2] < '0' || open_paren[2] > '9') {
        return -EINVAL;
    }
    errno = 0;
    len = strtoul(open_paren + 2, &stop, 10);
    if (errno != 0 || stop == NULL || *stop != ':' || len == 0 ||
        len > RECOVERY_OWNER_MAX) {
        return -EINVAL;
    }
    colon = stop;
    end = colon + 1 + len;
    if (strnlen(colon + 1, len + 2) != len + 1 || *end != ')' ||
        end[1] != '\0') {
        return -EINVAL;
    }
    for (const char *p = colon + 1; p < end; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            return -EINVAL;
        }
    }
    /* it travels as a D-Bus string, which must be UTF-8 */
    if (!g_utf8_validate(colon + 1, (gssize)len, NULL)) {
        return -EINVAL;
    }
    *ret_owner = g_strndup(colon + 1, len);
    return 0;
}

static bool owners_have(GPtrArray *owners, const char *owner)
{
    for (guint i = 0; i < owners->len; i++) {
        if (strcmp(g_ptr_array_index(owners, i), owner) == 0) {
            return true;
        }
    }
    return false;
}

int recovery_read_owners(const char *dir, GPtrArray *owners)
{
    struct dirent *de;
    DIR *d;
    int fd, n = 0, r = 0;

    /* the node's entry is a link to its tree on shared storage: follow it */
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        return -errno;
    }
    d = fdopendir(fd);
    if (d == NULL) {
        r = -errno;
        close(fd);
        return r;
    }
    while ((de = readdir(d)) != NULL) {
        char *owner = NULL;

        if (++n > RECOVERY_MAX_RECORDS + 2) {
            r = -E2BIG;
            break;
        }
        if (recovery_record_owner(de->d_name, &owner) < 0) {
            continue;
        }
        if (owners_have(owners, owner)) {
            g_free(owner);
        } else {
            g_ptr_array_add(owners, owner);
        }
    }
    closedir(d);
    return r;
}

bool recovery_owner_ambiguous(const char *owner, GPtrArray *others)
{
    for (guint i = 0; i < others->len; i++) {
        const char *other = g_ptr_array_index(others, i);

        if (strcmp(other, owner) != 0 && strstr(other, owner) != NULL) {
            return true;
        }
    }
    return false;
}

/* A character that can continue an IPv4 or IPv6 address's text. */
static bool recovery_addr_char(char c)
{
    return g_ascii_isxdigit(c) || c == '.' || c == ':';
}

bool recovery_address_ambiguous(const char *addr, GPtrArray *owners)
{
    size_t n = strlen(addr);

    if (n == 0) {
        return true;
    }
    for (guint i = 0; i < owners->len; i++) {
        const char *owner = g_ptr_array_index(owners, i);

        for (const char *p = strstr(owner, addr); p != NULL;
             p = strstr(p + 1, addr)) {
            if ((p > owner && recovery_addr_char(p[-1])) ||
                recovery_addr_char(p[n])) {
                return true;
            }
        }
    }
    return false;
}
