/* diff_volatile: a fresh TPM has fresh seeds, so every key, every name,
 * every blob, signature, ticket or ciphertext made with one, every nonce
 * and every clock reading differs between two runs of the same scenario;
 * digests of fixed data, PCR values, NV contents, unsealed or decrypted
 * data, verification results and exit codes do not. */
#include "report/diff_volatile.h"

#include <fnmatch.h>
#include <string.h>

/* TPM structures that hold keys, or are made with one or with the clock. */
static const char *const volatile_types[] = {
    "TPM2B_PUBLIC", "TPM2B_PRIVATE", "TPMT_SIGNATURE", "TPM2B_CREATION_DATA", "TPMT_TK_CREATION",
    "TPMT_TK_HASHCHECK", "TPMT_TK_VERIFIED", "TPMT_TK_AUTH", "TPM2B_ENCRYPTED_SECRET", "TPM2B_ID_OBJECT",
    "TPM2B_ECC_POINT", "TPMS_CONTEXT", "TPM2B_ATTEST", "TPMS_TIME_INFO", NULL,
};

/* step type glob, output name glob */
static const char *const volatile_outputs[][2] = {
    /* random by definition */
    { "*", "random" }, { "*", "*nonce*" }, { "*", "iv" }, { "fapi.get_random", "data" },
    /* handles, names and sessions of objects made from fresh seeds */
    { "*", "handle" }, { "*", "tpm_handle" }, { "*", "name" }, { "*", "qualified_name" }, { "*", "session" },
    /* key material, and what is wrapped, signed, encrypted or derived with it */
    { "*", "creation_hash" }, { "*", "*sym_seed" }, { "*", "encryption_key*" }, { "*", "tools_file" },
    { "*", "secret" }, { "*", "pem" }, { "*", "public_pem" }, { "*", "public_key" }, { "*", "*signature" },
    { "*", "raw" }, { "*", "z" }, { "*", "ciphertext" }, { "*", "exported" }, { "*", "certificate*" },
    { "esapi.hmac", "digest" }, { "esapi.encrypt_decrypt", "data" }, { "crypto.encrypt", "data" },
    { "esapi.rsa_encrypt", "out_data" }, { "fapi.*", "json" }, { "fapi.*", "policy" },
    /* attestation and clocks */
    { "*", "attest" }, { "*", "quote_info*" }, { "*", "timeout" }, { "*", "time" }, { "*", "clock" },
    { "*", "reset_count" }, { "*", "restart_count" }, { "fapi.*", "info" }, { "fapi.*", "*log*" },
    /* what programs print (keys, times, paths); paths in the scenario's work directory */
    { "exec", "stdout" }, { "exec", "stderr" }, { "file.*", "path" }, { "keyfile.*", "path" },
};

static bool glob(const char *pattern, const char *s)
{
    return fnmatch(pattern, s ? s : "", 0) == 0;
}

static bool user_pattern(const char *p, const char *step, const char *name)
{
    const char *colon = strchr(p, ':');
    if (!colon)
        return glob(p, name);
    char sp[256];
    size_t n = (size_t)(colon - p) < sizeof sp - 1 ? (size_t)(colon - p) : sizeof sp - 1;
    memcpy(sp, p, n);
    sp[n] = 0;
    return glob(sp, step) && glob(colon + 1, name);
}

bool diff_volatile(const char *step, const char *name, const json_t *value, char *const *extra, size_t n_extra)
{
    const char *type = json_string_value(json_object_get(value, "type"));
    for (size_t i = 0; type && volatile_types[i]; i++)
        if (!strcmp(type, volatile_types[i]))
            return true;
    for (size_t i = 0; i < sizeof volatile_outputs / sizeof *volatile_outputs; i++)
        if (glob(volatile_outputs[i][0], step) && glob(volatile_outputs[i][1], name))
            return true;
    for (size_t i = 0; i < n_extra; i++)
        if (user_pattern(extra[i], step, name))
            return true;
    return false;
}
