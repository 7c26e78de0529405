/* crypto_cphash: a command's cpHash in software -- H(commandCode || the
 * names of its handles || its parameters), TPM 2.0 Part 1, 18.7 -- for
 * TPM2_PolicyCpHash, the cpHashA of PolicySigned, PolicySecret and
 * PolicyTicket, and to check what `tpm2_* --cphash` writes.  The TPM is the
 * judge of it: a PolicyCpHash session authorizes only the command whose
 * cpHash it names. */
#include "steps.h"
#include "base/hex.h"
#include "tpm/tpm_hash.h"

#include <stdlib.h>
#include <string.h>

#define MAX_HANDLES 3                       /* a command has at most three handles */
#define MAX_PARAMETERS (64u * 1024u)        /* larger than any TPM command */

typedef struct cp_buf {
    uint8_t *b;
    size_t n, cap;
} cp_buf;

static bool cp_put(cp_buf *c, const uint8_t *p, size_t n)
{
    if (c->n + n > c->cap)
        return false;
    memcpy(c->b + c->n, p, n);
    c->n += n;
    return true;
}

/* Appends each hex item of list parameter `name`; false with a message
 * (items at most `each` bytes, `max_items` of them when not 0). */
static bool put_hex_items(const step_args *a, const char *name, size_t each, size_t max_items, cp_buf *c,
                          step_out *out)
{
    const value *list = arg(a, name);
    if (!list)
        return true;
    if (max_items && list->count > max_items) {
        step_fail(out, "%s: a command has at most %zu handles", name, max_items);
        return false;
    }
    for (size_t i = 0; i < list->count; i++) {
        uint8_t *d = NULL;
        size_t len = 0;
        diag bad = { 0 };
        bool ok = hex_decode((const char *)list->items[i]->bytes, &d, &len, &bad) && (!each || len <= each) &&
                  cp_put(c, d, len);
        diag_clear(&bad);
        free(d);
        if (!ok) {
            step_fail(out, "%s[%zu] is not hex%s, or the whole is too long", name, i,
                      each ? " of a name (at most a TPM2B_NAME's bytes)" : "");
            return false;
        }
    }
    return true;
}

static uint32_t do_cp_hash(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    TPMI_ALG_HASH alg = *arg_hash(a, "hash");
    uint32_t cc = *arg_command_code(a, "command_code");
    cp_buf c = { .cap = 4 + MAX_HANDLES * sizeof(TPMU_NAME) + MAX_PARAMETERS };
    if (!tpm_hash_size(alg))
        return step_fail(out, "hash: not a hash algorithm");
    if (!(c.b = malloc(c.cap)))
        return step_fail(out, "out of memory");
    const uint8_t be[4] = { (uint8_t)(cc >> 24), (uint8_t)(cc >> 16), (uint8_t)(cc >> 8), (uint8_t)cc };
    uint8_t file[sizeof(UINT16) + sizeof(TPMU_HA)];     /* TPM2B_DIGEST: size, then the digest */
    bool ok = cp_put(&c, be, sizeof be) && put_hex_items(a, "names", sizeof(TPMU_NAME), MAX_HANDLES, &c, out) &&
              put_hex_items(a, "parameters", 0, 0, &c, out);
    if (ok && !tpm_hash_data(alg, c.b, c.n, file + 2)) {
        ok = false;
        step_fail(out, "OpenSSL cannot compute this hash");
    }
    free(c.b);
    if (!ok)
        return STEP_FAILED;
    size_t size = tpm_hash_size(alg);
    file[0] = (uint8_t)(size >> 8);
    file[1] = (uint8_t)size;
    out_bytes(out, "digest", file + 2, size);
    out_bytes(out, "tools_file", file, 2 + size);
    return 0;
}

const step_def steps_crypto_cphash[] = {
    { "crypto.cp_hash",
      "a command's cpHash in software: H(commandCode || the names of its handles || its marshaled parameters)", 0,
      (const param_spec[]){
          { "command_code", PT_SYNTAX, PF_REQUIRED, NULL, "the command (NV_SetBits, TPM2_CC_Unseal ...)",
            .syntax = SX_COMMAND_CODE },
          { "names", PT_STRING_LIST, 0, NULL,
            "the names of its handles in order, in hex (bytes become hex): an object's or NV index's name, or "
            "the handle itself for a hierarchy, PCR or session (owner: \"40000001\")" },
          { "parameters", PT_STRING_LIST, 0, NULL,
            "its parameter area as marshaled, in hex pieces joined in order (a TPM2B is its size then its bytes: "
            "[\"0004\", \"${data}\"])" },
          { "hash", PT_SYNTAX, 0, "sha256", "the hash (a policy session's, for PolicyCpHash)", .syntax = SX_HASH },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "cpHash, for esapi.policy_cp_hash and cp_hash parameters" },
          { "tools_file", PT_BYTES, 0, "the TPM2B_DIGEST (size, then cpHash) tpm2-tools' --cphash writes" },
          { 0 } },
      do_cp_hash },
    { 0 },
};
