/* diff_volatile: the step outputs that differ on every run of the same
 * scenario (random bytes, keys and what is made with them, nonces,
 * signatures, tickets, times, program output), which `tpmrun diff` leaves
 * out when it compares outputs. */
#ifndef TPMRUN_REPORT_DIFF_VOLATILE_H
#define TPMRUN_REPORT_DIFF_VOLATILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Does output `name` of a step of type `step` (its value as the results
 * hold it) differ from run to run?  By the output's TPM structure type,
 * its name, or the step type and name; `extra` are the user's --ignore
 * patterns ("NAME" or "STEP:NAME", shell globs). */
bool diff_volatile(const char *step, const char *name, const json_t *value, char *const *extra, size_t n_extra);

#endif
