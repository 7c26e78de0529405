/* Unit tests for engine/tpm/tpm_pcr_set.c: what is left after a TPM
 * answered part of a selection, and the union of its answers (the rounds
 * of esapi.pcr_read). */
#include "unit.h"
#include "tpm/tpm_pcr.h"
#include "tpm/tpm_pcr_set.h"

#include <stdlib.h>
#include <string.h>

static TPML_PCR_SELECTION sel(const char *text)
{
    TPML_PCR_SELECTION s;
    diag d = { 0 };
    memset(&s, 0, sizeof s);
    if (!tpm_pcr_parse_selection(text, &s, &d))
        check(false, "'%s' does not parse: %s", text, d.msg ? d.msg : "");
    diag_clear(&d);
    return s;
}

/* The selection as text (tpm_pcr_format_selection), compared. */
static void check_text(const TPML_PCR_SELECTION *s, const char *want, const char *what)
{
    char *got = tpm_pcr_format_selection(s);
    check(got && !strcmp(got, want), "%s: got '%s', want '%s'", what, got ? got : "(null)", want);
    free(got);
}

static void test_remove(void)
{
    /* a TPM answers the first 8 of sha256:0-23, then the next 8 ... */
    TPML_PCR_SELECTION left = sel("sha256:0-23");
    TPML_PCR_SELECTION first = sel("sha256:0-7");
    tpm_pcr_set_remove(&left, &first);
    check_text(&left, "sha256:8-23", "after the first round");
    CHECK(tpm_pcr_count(&left) == 16, "16 left");
    TPML_PCR_SELECTION rest = sel("sha256:8-23");
    tpm_pcr_set_remove(&left, &rest);
    CHECK(tpm_pcr_count(&left) == 0, "none left");

    /* two banks: the answer for one bank does not touch the other */
    left = sel("sha1:0-23+sha256:0-23");
    TPML_PCR_SELECTION answer = sel("sha1:16-23");
    tpm_pcr_set_remove(&left, &answer);
    check_text(&left, "sha1:0-15+sha256:all", "per bank");
    /* a bank the selection lacks is ignored */
    TPML_PCR_SELECTION other = sel("sha384:all");
    tpm_pcr_set_remove(&left, &other);
    CHECK(tpm_pcr_count(&left) == 40, "unchanged by another bank: %zu", tpm_pcr_count(&left));
    /* an empty answer (an unallocated bank) removes nothing */
    TPML_PCR_SELECTION empty = sel("sha1:none");
    tpm_pcr_set_remove(&left, &empty);
    CHECK(tpm_pcr_count(&left) == 40, "unchanged by an empty answer");
}

static void test_merge(void)
{
    TPML_PCR_SELECTION acc;
    memset(&acc, 0, sizeof acc);
    TPML_PCR_SELECTION a = sel("sha1:0-7"), b = sel("sha1:8-15"), c = sel("sha1:16-23+sha256:0-7");
    CHECK(tpm_pcr_set_merge(&acc, &a), "merge into empty");
    CHECK(tpm_pcr_set_merge(&acc, &b) && tpm_pcr_set_merge(&acc, &c), "merge more");
    check_text(&acc, "sha1:all+sha256:0-7", "the union keeps bank order");
    CHECK(acc.count == 2, "two banks");

    /* a PCR above 23 widens the bank's sizeofSelect */
    TPML_PCR_SELECTION wide = sel("sha256:30");
    CHECK(tpm_pcr_set_merge(&acc, &wide) && acc.pcrSelections[1].sizeofSelect == 4, "wider select");

    /* full: a new bank does not fit and nothing changes */
    TPML_PCR_SELECTION full;
    memset(&full, 0, sizeof full);
    full.count = TPM2_NUM_PCR_BANKS;
    for (UINT32 i = 0; i < TPM2_NUM_PCR_BANKS; i++) {
        full.pcrSelections[i].hash = (TPMI_ALG_HASH)(0x100 + i);
        full.pcrSelections[i].sizeofSelect = 3;
    }
    TPML_PCR_SELECTION before = full;
    CHECK(!tpm_pcr_set_merge(&full, &a), "no room for a new bank");
    CHECK(memcmp(&before, &full, sizeof full) == 0, "unchanged when it fails");
}

int main(void)
{
    test_remove();
    test_merge();
    return unit_report();
}
