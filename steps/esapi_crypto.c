/* esapi_crypto: hashing, signing, verifying, symmetric encryption, HMAC in the TPM.  esapi.hash
 * and esapi.hmac take data of any length up to 1 MiB, through a sequence when it is longer than one buffer. */
#include "steps.h"
#include "tpm/tpm_alg.h"

#include <string.h>

static TPMI_ALG_HASH hash_arg(const step_args *a, const char *name)
{
    const TPMI_ALG_HASH *h = arg_hash(a, name);
    return h ? *h : TPM2_ALG_SHA256;
}

/* ---- data longer than one TPM buffer: a sequence, as tpm2_hash and tpm2_hmac do ---- */

/* Data up to 1 MiB: the TPM takes 1,024 bytes a command. */
#define LONG_DATA_MAX (1024 * 1024)

/* Feeds data to a sequence the step started (whose auth is empty): updates
 * of TPM2_MAX_DIGEST_BUFFER bytes while more than that is left, the rest
 * with TPM2_SequenceComplete.  The sequence is authorized by a password
 * session; `more`, the step's first session that authorizes nothing here
 * (encryption, audit), follows it.  On failure the sequence is flushed:
 * the scenario never held it. */
static TSS2_RC feed_sequence(step_ctx *ctx, ESYS_TR seq, ESYS_TR more, const uint8_t *data, size_t len,
                             ESYS_TR hierarchy, TPM2B_DIGEST **digest, TPMT_TK_HASHCHECK **ticket,
                             const char **call)
{
    ESYS_TR s2 = more == ESYS_TR_PASSWORD ? ESYS_TR_NONE : more;
    TPM2B_MAX_BUFFER buf;
    TSS2_RC rc = TSS2_RC_SUCCESS;
    *call = "Esys_SequenceUpdate";
    while (rc == TSS2_RC_SUCCESS && len > TPM2_MAX_DIGEST_BUFFER) {
        buf.size = TPM2_MAX_DIGEST_BUFFER;
        memcpy(buf.buffer, data, buf.size);
        rc = Esys_SequenceUpdate(ctx->esys, seq, ESYS_TR_PASSWORD, s2, ESYS_TR_NONE, &buf);
        data += buf.size;
        len -= buf.size;
    }
    if (rc == TSS2_RC_SUCCESS) {
        *call = "Esys_SequenceComplete";
        buf.size = (UINT16)len;
        memcpy(buf.buffer, data, len);
        rc = Esys_SequenceComplete(ctx->esys, seq, ESYS_TR_PASSWORD, s2, ESYS_TR_NONE, &buf, hierarchy, digest,
                                   ticket);
    }
    if (rc != TSS2_RC_SUCCESS)
        Esys_FlushContext(ctx->esys, seq);
    return rc;
}

static uint32_t hash_long(step_ctx *ctx, const step_args *a, step_out *out, TPM2B_DIGEST **digest,
                          TPMT_TK_HASHCHECK **ticket)
{
    size_t len;
    const uint8_t *data = arg_bytes(a, "data", &len);
    TPM2B_AUTH empty = { 0 };
    ESYS_TR seq = ESYS_TR_NONE;
    TSS2_RC rc = Esys_HashSequenceStart(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &empty, *arg_hash(a, "alg"), &seq);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Esys_HashSequenceStart", rc);
    const char *call;
    rc = feed_sequence(ctx, seq, ctx->s1, data, len, arg_hierarchy(a, "hierarchy")->esys_tr, digest, ticket, &call);
    return step_tss(out, call, rc);
}

static uint32_t do_hash(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DIGEST *digest = NULL;
    TPMT_TK_HASHCHECK *ticket = NULL;
    TSS2_RC rc;
    size_t len;
    arg_bytes(a, "data", &len);
    if (len > TPM2_MAX_DIGEST_BUFFER) {
        rc = hash_long(ctx, a, out, &digest, &ticket);
    } else {
        TPM2B_MAX_BUFFER data = { 0 };
        if (!ARG_TPM2B(a, "data", &data, out))
            return STEP_FAILED;
        rc = step_tss(out, "Esys_Hash",
                      Esys_Hash(ctx->esys, ctx->s1, ctx->s2, ctx->s3, &data, *arg_hash(a, "alg"),
                                arg_hierarchy(a, "hierarchy")->esys_tr, &digest, &ticket));
    }
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "digest", digest->buffer, digest->size);
        out_struct(out, "validation", TS_HASHCHECK, ticket);
    }
    Esys_Free(digest);
    Esys_Free(ticket);
    return rc;
}

static uint32_t do_sign(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DIGEST digest = { 0 };
    if (!ARG_TPM2B(a, "digest", &digest, out))
        return STEP_FAILED;
    TPMT_SIG_SCHEME scheme = tpm_alg_sig_scheme_for(arg_sig_scheme(a, "scheme"), hash_arg(a, "hash"));
    if (arg_present(a, "commit_count")) {
        if (scheme.scheme != TPM2_ALG_ECDAA)
            return step_fail(out, "commit_count goes with scheme ecdaa");
        scheme.details.ecdaa.count = (UINT16)arg_int(a, "commit_count");
    }
    /* Without a ticket the TPM accepts only digests of data that does not
     * start with TPM2_GENERATED_VALUE, i.e. a NULL ticket for the owner. */
    TPMT_TK_HASHCHECK ticket = { .tag = TPM2_ST_HASHCHECK, .hierarchy = TPM2_RH_NULL };
    if (arg_present(a, "validation") && !arg_struct(a, "validation", &ticket, out))
        return STEP_FAILED;
    ESYS_TR key = arg_object_auth(ctx, a, "key", "auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPMT_SIGNATURE *sig = NULL;
    TSS2_RC rc = Esys_Sign(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &digest, &scheme, &ticket,
                           &sig);
    if (rc == TSS2_RC_SUCCESS)
        out_struct(out, "signature", TS_SIGNATURE, sig);
    Esys_Free(sig);
    return step_tss(out, "Esys_Sign", rc);
}

static uint32_t do_verify_signature(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_DIGEST digest = { 0 };
    TPMT_SIGNATURE sig;
    if (!ARG_TPM2B(a, "digest", &digest, out) || !arg_struct(a, "signature", &sig, out))
        return STEP_FAILED;
    ESYS_TR key = arg_object(ctx, a, "key", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPMT_TK_VERIFIED *tk = NULL;
    TSS2_RC rc = Esys_VerifySignature(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &digest, &sig, &tk);
    if (rc == TSS2_RC_SUCCESS)
        out_struct(out, "validation", TS_VERIFIED, tk);
    Esys_Free(tk);
    return step_tss(out, "Esys_VerifySignature", rc);
}

static uint32_t do_encrypt_decrypt(step_ctx *ctx, const step_args *a, step_out *out)
{
    TPM2B_MAX_BUFFER in = { 0 };
    TPM2B_IV iv = { .size = 16 };   /* AES block: zero IV unless given */
    if (!ARG_TPM2B(a, "data", &in, out))
        return STEP_FAILED;
    if (arg_present(a, "iv") && !ARG_TPM2B(a, "iv", &iv, out))
        return STEP_FAILED;
    TPMI_ALG_CIPHER_MODE mode = *arg_cipher_mode(a, "mode");
    ESYS_TR key = arg_object_auth(ctx, a, "key", "auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    if (mode == TPM2_ALG_NULL) {
        /* null: the key's mode; a key that has none takes CFB, as
         * tpm2_encryptdecrypt does (the TPM wants a mode from one of the two) */
        TPM2B_PUBLIC *pub = NULL;
        TSS2_RC rc = Esys_ReadPublic(ctx->esys, key, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, NULL, NULL);
        if (rc != TSS2_RC_SUCCESS)
            return step_tss(out, "Esys_ReadPublic", rc);
        if (pub->publicArea.type == TPM2_ALG_SYMCIPHER && pub->publicArea.parameters.symDetail.sym.mode.sym == TPM2_ALG_NULL)
            mode = TPM2_ALG_CFB;
        Esys_Free(pub);
    }
    TPMI_YES_NO decrypt = arg_bool(a, "decrypt") ? TPM2_YES : TPM2_NO;
    TPM2B_MAX_BUFFER *result = NULL;
    TPM2B_IV *iv_out = NULL;
    const char *call = "Esys_EncryptDecrypt2";
    TSS2_RC rc = Esys_EncryptDecrypt2(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &in, decrypt,
                                      mode, &iv, &result, &iv_out);
    if ((rc & 0xFFF) == TPM2_RC_COMMAND_CODE) {
        /* TPMs without EncryptDecrypt2 (it came in spec 1.38) */
        call = "Esys_EncryptDecrypt";
        rc = Esys_EncryptDecrypt(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, decrypt, mode, &iv,
                                 &in, &result, &iv_out);
    }
    if (rc == TSS2_RC_SUCCESS) {
        out_bytes(out, "data", result->buffer, result->size);
        out_bytes(out, "iv", iv_out->buffer, iv_out->size);
        out_string(out, "command", call + 5);
    }
    Esys_Free(result);
    Esys_Free(iv_out);
    return step_tss(out, call, rc);
}

/* TPM2_HMAC_Start with the key (ctx->s1 authorizes it), then the data. */
static uint32_t hmac_long(step_ctx *ctx, const step_args *a, ESYS_TR key, TPMI_ALG_HASH alg, step_out *out,
                          TPM2B_DIGEST **d)
{
    size_t len;
    const uint8_t *data = arg_bytes(a, "data", &len);
    TPM2B_AUTH empty = { 0 };
    ESYS_TR seq = ESYS_TR_NONE;
    TSS2_RC rc = Esys_HMAC_Start(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &empty, alg, &seq);
    if (rc != TSS2_RC_SUCCESS)
        return step_tss(out, "Esys_HMAC_Start", rc);
    const char *call;
    TPMT_TK_HASHCHECK *ticket = NULL;     /* an HMAC sequence gives none */
    rc = feed_sequence(ctx, seq, ctx->s2, data, len, ESYS_TR_RH_NULL, d, &ticket, &call);
    Esys_Free(ticket);
    return step_tss(out, call, rc);
}

static uint32_t do_hmac(step_ctx *ctx, const step_args *a, step_out *out)
{
    ESYS_TR key = arg_object_auth(ctx, a, "key", "auth", out);
    if (key == ESYS_TR_NONE)
        return STEP_FAILED;
    TPMI_ALG_HASH alg = arg_present(a, "hash") ? hash_arg(a, "hash") : TPM2_ALG_NULL;
    TPM2B_DIGEST *d = NULL;
    TSS2_RC rc;
    size_t len;
    arg_bytes(a, "data", &len);
    if (len > TPM2_MAX_DIGEST_BUFFER) {
        rc = hmac_long(ctx, a, key, alg, out, &d);
    } else {
        TPM2B_MAX_BUFFER data = { 0 };
        if (!ARG_TPM2B(a, "data", &data, out))
            return STEP_FAILED;
        rc = step_tss(out, "Esys_HMAC", Esys_HMAC(ctx->esys, key, ctx->s1, ctx->s2, ctx->s3, &data, alg, &d));
    }
    if (rc == TSS2_RC_SUCCESS)
        out_bytes(out, "digest", d->buffer, d->size);
    Esys_Free(d);
    return rc;
}

#define KEY_PARAMS(what)                                                                    \
    { "key", PT_OBJECT, PF_REQUIRED, NULL, what },                                          \
    { "auth", PT_BYTES, PF_SECRET, NULL, "the key's auth value (else the one already set)", \
      .max_len = sizeof(TPMU_HA) }

const step_def steps_esapi_crypto[] = {
    { "esapi.hash", "TPM2_Hash: digest and hashcheck ticket (data over 1,024 bytes, up to 1 MiB: through a hash "
      "sequence, as tpm2_hash)", NEED_ESYS,
      (const param_spec[]){
          { "data", PT_BYTES, PF_REQUIRED, NULL, "data to hash", .max_len = LONG_DATA_MAX },
          { "alg", PT_SYNTAX, 0, "sha256", "hash algorithm", .syntax = SX_HASH },
          { "hierarchy", PT_SYNTAX, 0, "owner", "hierarchy of the ticket", .syntax = SX_HIERARCHY },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "the digest" },
          { "validation", PT_STRUCT, 0, "TPMT_TK_HASHCHECK ticket for esapi.sign", TS_HASHCHECK },
          { 0 } },
      do_hash },
    { "esapi.sign", "TPM2_Sign a digest", NEED_ESYS | AUTH1,
      (const param_spec[]){
          KEY_PARAMS("a loaded signing key"),
          { "digest", PT_BYTES, PF_REQUIRED, NULL, "digest to sign", .max_len = sizeof(TPMU_HA) },
          { "scheme", PT_SYNTAX, 0, "null", "signature scheme (null: the key's)", .syntax = SX_SIG_SCHEME },
          { "hash", PT_SYNTAX, 0, "sha256", "hash of the scheme", .syntax = SX_HASH },
          { "validation", PT_STRUCT, 0, NULL, "hashcheck ticket from esapi.hash (default: null ticket)", .st = TS_HASHCHECK },
          { "commit_count", PT_INT, 0, NULL, "ecdaa: the commit counter of the esapi.commit it completes (default: 0)",
            .min = 0, .max = 0xFFFF },
          { 0 } },
      (const output_spec[]){
          { "signature", PT_STRUCT, 0, "TPMT_SIGNATURE", TS_SIGNATURE },
          { 0 } },
      do_sign },
    { "esapi.verify_signature", "TPM2_VerifySignature", NEED_ESYS,
      (const param_spec[]){
          { "key", PT_OBJECT, PF_REQUIRED, NULL, "the loaded public key" },
          { "digest", PT_BYTES, PF_REQUIRED, NULL, "the signed digest", .max_len = sizeof(TPMU_HA) },
          { "signature", PT_STRUCT, PF_REQUIRED, NULL, "TPMT_SIGNATURE", .st = TS_SIGNATURE },
          { 0 } },
      (const output_spec[]){
          { "validation", PT_STRUCT, 0, "TPMT_TK_VERIFIED ticket", TS_VERIFIED },
          { 0 } },
      do_verify_signature },
    { "esapi.encrypt_decrypt", "TPM2_EncryptDecrypt2 (falls back to TPM2_EncryptDecrypt)", NEED_ESYS | AUTH1,
      (const param_spec[]){
          KEY_PARAMS("a loaded symmetric key"),
          { "data", PT_BYTES, PF_REQUIRED, NULL, "input", .max_len = TPM2_MAX_DIGEST_BUFFER },
          { "decrypt", PT_BOOL, 0, "false", "decrypt instead of encrypt" },
          { "mode", PT_SYNTAX, 0, "null", "cipher mode (null: the key's, and CFB for a key without one, as tpm2_encryptdecrypt)", .syntax = SX_CIPHER_MODE },
          { "iv", PT_BYTES, 0, NULL, "initial value (default: 16 zero bytes)", .max_len = TPM2_MAX_SYM_BLOCK_SIZE },
          { 0 } },
      (const output_spec[]){
          { "data", PT_BYTES, 0, "the output" },
          { "iv", PT_BYTES, 0, "the chaining value out" },
          { "command", PT_STRING, 0, "EncryptDecrypt2 or EncryptDecrypt" },
          { 0 } },
      do_encrypt_decrypt },
    { "esapi.hmac", "TPM2_HMAC with a keyed-hash key (data over 1,024 bytes, up to 1 MiB: through an HMAC sequence, "
      "as tpm2_hmac)", NEED_ESYS | AUTH1,
      (const param_spec[]){
          KEY_PARAMS("a loaded HMAC key"),
          { "data", PT_BYTES, PF_REQUIRED, NULL, "data", .max_len = LONG_DATA_MAX },
          { "hash", PT_SYNTAX, 0, NULL, "hash algorithm (default: the key's)", .syntax = SX_HASH },
          { 0 } },
      (const output_spec[]){
          { "digest", PT_BYTES, 0, "the HMAC" },
          { 0 } },
      do_hmac },
    { 0 },
};
