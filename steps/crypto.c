/* crypto: software (OpenSSL) checks of what the TPM produced: signatures,
 * and quotes as a verifier checks them (tpm2_checkquote). */
#include "steps.h"
#include "tpm/ossl.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_attest.h"
#include "tpm/tpm_hash.h"
#include "tpm/tpm_pcr.h"

#include <stdio.h>
#include <string.h>

/* The hash a TPM signature names; TPM2_ALG_NULL when it names none. */
static TPMI_ALG_HASH sig_hash(const TPMT_SIGNATURE *s)
{
    switch (s->sigAlg) {
    case TPM2_ALG_RSASSA:
    case TPM2_ALG_RSAPSS:
        return s->signature.rsassa.hash;
    case TPM2_ALG_ECDSA:
    case TPM2_ALG_ECDAA:
    case TPM2_ALG_SM2:
    case TPM2_ALG_ECSCHNORR:
        return s->signature.ecdsa.hash;
    case TPM2_ALG_HMAC:
        return s->signature.hmac.hashAlg;
    default:
        return TPM2_ALG_NULL;
    }
}

/* Verifies sig over `digest` with the public area: 1, 0, or -1 (message set). */
static int verify_digest(const TPM2B_PUBLIC *pub, const uint8_t *digest, size_t len, const TPMT_SIGNATURE *sig,
                         step_out *out)
{
    diag err = { 0 };
    EVP_PKEY *key = ossl_pkey_from_public(&pub->publicArea, &err);
    if (!key) {
        step_fail_diag(out, NULL, &err);
        return -1;
    }
    int v = ossl_verify_tpm_signature(key, digest, len, sig, &err);
    EVP_PKEY_free(key);
    if (v < 0)
        step_fail_diag(out, NULL, &err);
    return v;
}

/* The bytes a signature covers, from a `message` parameter: a TPM2B
 * structure (TPM2B_ATTEST ...) without its size field, as the TPM signs
 * it; anything else as it is. */
static const uint8_t *message_bytes(const step_args *a, size_t *len)
{
    const value *v = arg(a, "message");
    const uint8_t *d = arg_bytes(a, "message", len);
    if (v && v->kind == VAL_STRUCT && !strncmp(tpm_struct_name(v->st), "TPM2B_", 6) && *len >= 2) {
        *len -= 2;
        return d + 2;
    }
    return d;
}

static uint32_t do_verify(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    TPM2B_PUBLIC pub;
    TPMT_SIGNATURE sig;
    if (!arg_struct(a, "public", &pub, out) || !arg_struct(a, "signature", &sig, out))
        return STEP_FAILED;
    size_t dlen;
    const uint8_t *digest = arg_bytes(a, "digest", &dlen);
    uint8_t h[sizeof(TPMU_HA)];
    if (arg_present(a, "message")) {
        TPMI_ALG_HASH alg = sig_hash(&sig);
        size_t mlen;
        const uint8_t *m = message_bytes(a, &mlen);
        if (!tpm_hash_md(alg))
            return step_fail(out, "the signature names hash 0x%04x, which OpenSSL cannot compute here", alg);
        if (!tpm_hash_data(alg, m ? m : (const uint8_t *)"", mlen, h))
            return step_fail(out, "hashing the message failed");
        digest = h;
        dlen = tpm_hash_size(alg);
        out_bytes(out, "digest", h, dlen);
    }
    int v = verify_digest(&pub, digest, dlen, &sig, out);
    if (v < 0)
        return STEP_FAILED;
    out_bool(out, "valid", v == 1);
    if (v == 1 || arg_bool(a, "allow_invalid"))
        return 0;
    return step_fail(out, "OpenSSL says the signature does not verify with this public key");
}

/* ---- crypto.check_quote ------------------------------------------------ */

/* H(pcr values) with alg, after checking that the concatenated values are
 * as long as the quote's selection (each PCR its bank's digest size) --
 * the form tpm2_pcrread -o writes and tpm2_checkquote -f reads, with no
 * limit on the number of PCRs. */
static bool pcr_values_digest(const TPMS_QUOTE_INFO *qi, const uint8_t *vals, size_t len, TPMI_ALG_HASH alg,
                              uint8_t *out, step_out *o)
{
    size_t want = 0, n = 0;
    for (UINT32 b = 0; b < qi->pcrSelect.count; b++) {
        const TPMS_PCR_SELECTION *s = &qi->pcrSelect.pcrSelections[b];
        for (unsigned pcr = 0; pcr < s->sizeofSelect * 8u; pcr++)
            if (s->pcrSelect[pcr / 8] & (1u << (pcr % 8))) {
                want += tpm_hash_size(s->hash);
                n++;
            }
    }
    if (len != want) {
        step_fail(o, "pcr_values is %zu bytes; the quote selects %zu PCRs, %zu bytes together", len, n, want);
        return false;
    }
    tpm_hash_part part = { vals, len };
    if (!tpm_hash_parts(alg, &part, 1, out)) {
        step_fail(o, "hashing the PCR values failed");
        return false;
    }
    return true;
}

static void hex(char *buf, size_t cap, const uint8_t *d, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 <= cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%02x", d[i]);
    if (!n && cap)
        snprintf(buf, cap, "(empty)");
}

static uint32_t do_check_quote(step_ctx *ctx, const step_args *a, step_out *out)
{
    (void)ctx;
    TPM2B_PUBLIC pub;
    TPM2B_ATTEST quoted;
    TPMT_SIGNATURE sig;
    size_t vals_len = 0;
    const uint8_t *vals = arg_bytes(a, "pcr_values", &vals_len);
    if (!arg_struct(a, "public", &pub, out) || !arg_struct(a, "quoted", &quoted, out) ||
        !arg_struct(a, "signature", &sig, out))
        return STEP_FAILED;
    TPMS_ATTEST s;
    if (!tpm_attest_unmarshal(&quoted, &s) || s.magic != TPM2_GENERATED_VALUE || s.type != TPM2_ST_ATTEST_QUOTE)
        return step_fail(out, "quoted is not a TPM quote (magic TPM_GENERATED_VALUE, type quote)");
    TPMI_ALG_HASH alg = sig_hash(&sig);
    if (!tpm_hash_md(alg))
        return step_fail(out, "the signature (sigAlg 0x%04x) names no hash OpenSSL computes: nothing to check with",
                         sig.sigAlg);
    /* the signature over the TPMS_ATTEST bytes */
    uint8_t h[sizeof(TPMU_HA)], pcr[sizeof(TPMU_HA)];
    size_t hlen = tpm_hash_size(alg);
    if (!tpm_hash_data(alg, quoted.attestationData, quoted.size, h))
        return step_fail(out, "hashing the quote failed");
    int v = verify_digest(&pub, h, hlen, &sig, out);
    if (v < 0 || !pcr_values_digest(&s.attested.quote, vals, vals_len, alg, pcr, out))
        return STEP_FAILED;
    out_bytes(out, "pcr_digest", pcr, hlen);
    size_t nlen;
    const uint8_t *nonce = arg_bytes(a, "qualifying_data", &nlen);
    bool sig_ok = v == 1;
    bool nonce_ok = nlen == s.extraData.size && (!nlen || memcmp(nonce, s.extraData.buffer, nlen) == 0);
    bool pcr_ok = s.attested.quote.pcrDigest.size == hlen && memcmp(pcr, s.attested.quote.pcrDigest.buffer, hlen) == 0;
    char what[64] = "", msg[640] = "";
    size_t w = 0, m = 0;
    if (!sig_ok) {
        w += (size_t)snprintf(what + w, sizeof what - w, "signature");
        m += (size_t)snprintf(msg + m, sizeof msg - m, "signature: does not verify with this public key");
    }
    if (!nonce_ok) {
        char want[2 * sizeof(TPMT_HA) + 8], got[2 * sizeof(TPMT_HA) + 8];
        hex(want, sizeof want, nonce, nlen);
        hex(got, sizeof got, s.extraData.buffer, s.extraData.size);
        w += (size_t)snprintf(what + w, sizeof what - w, "%snonce", w ? ", " : "");
        m += (size_t)snprintf(msg + m, sizeof msg - m, "%snonce: the quote holds %s, qualifying_data is %s",
                              m ? "; " : "", got, want);
    }
    if (!pcr_ok && m < sizeof msg) {
        char want[2 * sizeof(TPMU_HA) + 8], got[2 * sizeof(TPMU_HA) + 8];
        hex(want, sizeof want, pcr, hlen);
        hex(got, sizeof got, s.attested.quote.pcrDigest.buffer, s.attested.quote.pcrDigest.size);
        w += (size_t)snprintf(what + w, sizeof what - w, "%spcr_digest", w ? ", " : "");
        snprintf(msg + m, sizeof msg - m, "%sPCR digest: the quote's is %s, H(pcr_values) is %s", m ? "; " : "",
                 got, want);
    }
    bool valid = sig_ok && nonce_ok && pcr_ok;
    out_bool(out, "valid", valid);
    out_string(out, "mismatch", what);
    if (valid)
        return 0;
    if (arg_bool(a, "allow_invalid")) {
        step_fail(out, "%s", msg);      /* kept as a note beside a step that passes */
        return 0;
    }
    return step_fail(out, "%s", msg);
}

const step_def steps_crypto[] = {
    { "crypto.verify", "OpenSSL verifies a TPM signature (RSASSA, RSAPSS, ECDSA) with a TPM public area", 0,
      (const param_spec[]){
          { "public", PT_STRUCT, PF_REQUIRED, NULL, "the signer's TPM2B_PUBLIC", .st = TS_PUBLIC },
          { "digest", PT_BYTES, PF_ONE_OF, NULL, "the signed digest", .max_len = 64 },
          { "message", PT_BYTES, PF_ONE_OF, NULL,
            "or the signed data, hashed with the signature's hash (a TPM2B structure such as an attestation's "
            "TPM2B_ATTEST without its size, as the TPM signs it)" },
          { "signature", PT_STRUCT, PF_REQUIRED, NULL, "TPMT_SIGNATURE", .st = TS_SIGNATURE },
          { "allow_invalid", PT_BOOL, 0, "false", "report valid: false instead of failing" },
          { 0 } },
      (const output_spec[]){
          { "valid", PT_BOOL, 0, "whether the signature verifies" },
          { "digest", PT_BYTES, 0, "with `message`: the digest it hashed to" },
          { 0 } },
      do_verify },
    { "crypto.check_quote",
      "OpenSSL checks a TPM quote as tpm2_checkquote does: signature, nonce, and PCR digest against PCR values", 0,
      (const param_spec[]){
          { "public", PT_STRUCT, PF_REQUIRED, NULL, "the AK's TPM2B_PUBLIC", .st = TS_PUBLIC },
          { "quoted", PT_STRUCT, PF_REQUIRED, NULL, "esapi.quote's quoted (TPM2B_ATTEST)", .st = TS_ATTEST },
          { "signature", PT_STRUCT, PF_REQUIRED, NULL, "esapi.quote's signature (TPMT_SIGNATURE)", .st = TS_SIGNATURE },
          { "qualifying_data", PT_BYTES, 0, NULL, "the nonce the quote must hold (absent: none)",
            .max_len = sizeof(TPMT_HA) },
          { "pcr_values", PT_BYTES, PF_REQUIRED, NULL,
            "the expected PCR values concatenated in the quote's selection order (esapi.pcr_read's concatenated; "
            "the file tpm2_pcrread -o writes)", .max_len = 24 * 4 * 64 },
          { "allow_invalid", PT_BOOL, 0, "false", "report valid: false (and the mismatch) instead of failing" },
          { 0 } },
      (const output_spec[]){
          { "valid", PT_BOOL, 0, "signature, nonce and PCR digest all match" },
          { "mismatch", PT_STRING, 0, "what differs: signature, nonce, pcr_digest (comma-separated; empty when valid)" },
          { "pcr_digest", PT_BYTES, 0, "H(pcr_values concatenated) with the signature's hash" },
          { 0 } },
      do_check_quote },
    { 0 },
};
