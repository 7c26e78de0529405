/* catalogue: the step reference as Markdown (tpmrun --list-steps
 * --markdown, docs/steps.md): every row's parameters and outputs, and an
 * example built from its required parameters that the loader accepts
 * (tests/test_authoring.py loads each). */
#ifndef TPMRUN_LOAD_CATALOGUE_H
#define TPMRUN_LOAD_CATALOGUE_H

#include <stdio.h>

void catalogue_markdown(FILE *f);
/* The named templates, one line each (--list-steps -v). */
void catalogue_templates(FILE *f);

#endif
