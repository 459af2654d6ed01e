/*
 * fuzz_nsm_reply: what ganesha_smnotify reads from the network: any
 * datagram that reaches its socket (bound to the VIP, so anyone on the
 * network can send one) as nsm_parse_reply() reads it, and any name a
 * statd list directory may hold as nsm_name_valid() judges it. A reply
 * accepted as successful is at least a reply header long; a valid name is
 * printable, slash-free and within NSM's limit.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "nsm.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fuzz_log_init("fuzz_nsm_reply");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint32_t xid = 0, value = 0;
    g_autofree char *name = NULL;
    int r = nsm_parse_reply(data, size, &xid, &value);

    FUZZ_CHECK(r == 0 || r == -EBADMSG || r == -EPROTO);
    if (r == 0) {
        /* xid, type, status, verifier flavor and length, accept status */
        FUZZ_CHECK(size >= 24);
    }
    name = g_strndup((const char *)data, size);
    if (nsm_name_valid(name)) {
        FUZZ_CHECK(strlen(name) >= 1 && strlen(name) <= NSM_NAME_MAX);
        FUZZ_CHECK(strchr(name, '/') == NULL);
    }
    return 0;
}
