/* identity: what the results say ran the scenarios -- the TPM (its
 * manufacturer, firmware, spec revision, and how it was reached) and the
 * tpmrun and tpm2-tss versions. */
#ifndef TPMRUN_REPORT_IDENTITY_H
#define TPMRUN_REPORT_IDENTITY_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* 'IBM "SW   TPM", firmware 0x20191023.0x00163636, TPM 2.0 rev 1.64,
 * private swtpm' (malloc'd) for a result's "tpm" (or a "tpms" entry). */
char *identity_tpm(const json_t *tpm);
/* {text: number of runs} of the TPMs (every one a run used), or of
 * "versions".tpmrun / "versions".tpm2-tss (what = "tpm", "tpmrun",
 * "tpm2-tss"). */
json_t *identity_set(json_t *const *runs, size_t n, const char *what);
/* "TPM: A -> B" and the like, for each of the three that differs. */
void identity_compare(FILE *f, json_t *const *old, size_t n_old, json_t *const *new_, size_t n_new);

#endif
