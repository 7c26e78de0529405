/* tpm_pcr_set: PCR selections as sets (per bank, bit by bit). */
#include "tpm/tpm_pcr_set.h"

#include <string.h>

/* Banks and select bytes as far as the C structure holds them. */
static UINT32 banks(const TPML_PCR_SELECTION *s)
{
    return s->count < TPM2_NUM_PCR_BANKS ? s->count : TPM2_NUM_PCR_BANKS;
}

static unsigned select_size(const TPMS_PCR_SELECTION *ps)
{
    return ps->sizeofSelect < TPM2_PCR_SELECT_MAX ? ps->sizeofSelect : TPM2_PCR_SELECT_MAX;
}

static TPMS_PCR_SELECTION *bank_of(TPML_PCR_SELECTION *s, TPMI_ALG_HASH hash)
{
    for (UINT32 i = 0; i < banks(s); i++)
        if (s->pcrSelections[i].hash == hash)
            return &s->pcrSelections[i];
    return NULL;
}

void tpm_pcr_set_remove(TPML_PCR_SELECTION *from, const TPML_PCR_SELECTION *done)
{
    for (UINT32 i = 0; i < banks(done); i++) {
        const TPMS_PCR_SELECTION *d = &done->pcrSelections[i];
        TPMS_PCR_SELECTION *f = bank_of(from, d->hash);
        if (!f)
            continue;
        unsigned n = select_size(d) < select_size(f) ? select_size(d) : select_size(f);
        for (unsigned b = 0; b < n; b++)
            f->pcrSelect[b] &= (BYTE)~d->pcrSelect[b];
    }
}

bool tpm_pcr_set_merge(TPML_PCR_SELECTION *into, const TPML_PCR_SELECTION *add)
{
    TPML_PCR_SELECTION r = *into;
    for (UINT32 i = 0; i < banks(add); i++) {
        const TPMS_PCR_SELECTION *a = &add->pcrSelections[i];
        TPMS_PCR_SELECTION *t = bank_of(&r, a->hash);
        if (!t) {
            if (r.count >= TPM2_NUM_PCR_BANKS)
                return false;
            t = &r.pcrSelections[r.count++];
            memset(t, 0, sizeof *t);
            t->hash = a->hash;
        }
        if (select_size(a) > select_size(t))
            t->sizeofSelect = (UINT8)select_size(a);
        for (unsigned b = 0; b < select_size(a); b++)
            t->pcrSelect[b] |= a->pcrSelect[b];
    }
    *into = r;
    return true;
}
