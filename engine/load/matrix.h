/* matrix: `matrix: {alg: [rsa2048, ecc256], hash: [sha256, sha384]}` --
 * the scenario runs once per combination, each with the axes as vars and
 * its own id, "name[alg=rsa2048,hash=sha256]". */
#ifndef TPMRUN_LOAD_MATRIX_H
#define TPMRUN_LOAD_MATRIX_H

#include "load/loader.h"
#include "tpm/value.h"

#define MATRIX_MAX_COMBINATIONS 256

typedef struct matrix {
    value *axes;            /* VAL_MAP: axis name -> VAL_LIST of its values, in file order */
    size_t n_combinations;  /* 1 without a matrix */
} matrix;

/* The `matrix:` node (NULL: none); --var NAME=VALUE pins an axis to that
 * one value.  False with L->d set. */
bool matrix_load(loader *L, const node *n, matrix *m);
/* Combination k (0-based; the last axis changes fastest): VAL_MAP of axis
 * -> value; NULL without a matrix. */
value *matrix_combination(const matrix *m, size_t k);
/* "id[alg=rsa2048,hash=sha256]" (malloc'd); a copy of id without axes. */
char *matrix_id(const char *id, const value *combination);
void matrix_free(matrix *m);

#endif
