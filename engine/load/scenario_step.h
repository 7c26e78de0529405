/* scenario_step: one step of a scenario file, checked -- its row, its
 * parameters, what it expects, its sessions, its TPM and its save name. */
#ifndef TPMRUN_LOAD_SCENARIO_STEP_H
#define TPMRUN_LOAD_SCENARIO_STEP_H

#include <stdbool.h>
#include <stdint.h>
#include "load/args.h"
#include "load/conditions.h"
#include "load/loader.h"
#include "load/registry.h"

typedef struct expect_output {
    char *field;
    const output_spec *spec;
    arg_src want;
} expect_output;

/* expect: {stdout: ..., stderr: ...} of a program step. */
typedef enum { EXPECT_EQUALS, EXPECT_CONTAINS, EXPECT_MATCHES } expect_how;

typedef struct expect_stream {
    const char *stream;         /* "stdout" or "stderr" (static) */
    expect_how how;
    arg_src want;               /* bytes or text; a regex for EXPECT_MATCHES */
} expect_stream;

typedef struct step {
    int index;                  /* 0-based */
    srcloc loc;                 /* its step type key */
    char *label;                /* name: */
    const step_def *def;
    arg_src *args;              /* one per def param, in row order (defaults filled in) */
    char *save;
    arg_src *sessions;          /* sessions: up to 3, in command order */
    size_t n_sessions;
    bool expect_rc_set;
    uint32_t expect_rc;
    char *expect_rc_text;       /* as written */
    bool expect_exit_set;       /* expect.exit (NEED_PROGRAM steps) */
    int expect_exit;
    expect_output *expect_outputs;
    size_t n_expect_outputs;
    expect_stream *expect_streams;
    size_t n_expect_streams;
    int tpm;                    /* tpm: index into the scenario's TPMs (0: the first or only one) */
    int locality;               /* locality: the commands' locality (0..4, 32..255); -1: the default */
    conditions cond;            /* skip:, xfail:, requires: */
    double timeout_s;           /* timeout: seconds; 0: none (the scenario's --timeout only) */
} step;

/* Loads the step at node n; its save name becomes usable in L->syms. */
bool scenario_step_load(loader *L, const node *n, step *st);
void scenario_step_free(step *st);

#endif
