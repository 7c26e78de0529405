/* tpm_creation: TPM2B_CREATION_DATA decoded. */
#include "tpm/tpm_creation.h"
#include "base/hex.h"
#include "tpm/tpm_alg.h"
#include "tpm/tpm_decode.h"

#include <stdio.h>
#include <stdlib.h>

/* Hex of a TPM2B's bytes, bounded by its buffer (a hand-made structure must
 * not be read past its end). */
static json_t *hex_of(const BYTE *b, UINT16 size, size_t cap)
{
    char *s = hex_encode(b, size <= cap ? size : cap);
    json_t *j = s ? json_string(s) : json_null();
    free(s);
    return j;
}

#define HEX2B(x) hex_of((x).buffer, (x).size, sizeof (x).buffer)

json_t *tpm_creation_decode(const TPM2B_CREATION_DATA *c)
{
    if (!c)
        return json_null();
    const TPMS_CREATION_DATA *d = &c->creationData;
    const char *alg = tpm_alg_name(d->parentNameAlg);
    char num[16];
    snprintf(num, sizeof num, "0x%04x", (unsigned)d->parentNameAlg);
    json_t *o = json_object();
    json_object_set_new(o, "pcrSelect", tpm_decode_pcr_selection(&d->pcrSelect));
    json_object_set_new(o, "pcrDigest", HEX2B(d->pcrDigest));
    json_object_set_new(o, "locality", json_integer(d->locality));
    json_object_set_new(o, "parentNameAlg", json_string(alg ? alg : num));
    json_object_set_new(o, "parentName", hex_of(d->parentName.name, d->parentName.size, sizeof d->parentName.name));
    json_object_set_new(o, "parentQualifiedName",
                        hex_of(d->parentQualifiedName.name, d->parentQualifiedName.size,
                               sizeof d->parentQualifiedName.name));
    json_object_set_new(o, "outsideInfo", HEX2B(d->outsideInfo));
    return o;
}
