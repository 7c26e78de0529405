/* args: one parameter of a step, as the file gives it -- a literal of the
 * parameter's type (text syntaxes parsed, byte forms decoded, sizes
 * checked), a reference to a var or a saved output (its type checked), or
 * text with references inside.  The run resolves references (run/resolve.c). */
#ifndef TPMRUN_LOAD_ARGS_H
#define TPMRUN_LOAD_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include "base/diag.h"
#include "base/node.h"
#include "load/loader.h"
#include "load/registry.h"
#include "tpm/value.h"

typedef enum {
    ARG_ABSENT,     /* not given, no default */
    ARG_LITERAL,    /* a value known at load time (also a row's default) */
    ARG_REF,        /* ${name} or ${name.field}: keeps the referenced value's type */
    ARG_INTERP,     /* text with ${...} inside: a string */
    ARG_LIST,       /* PT_STRING_LIST / PT_STRING_MAP: one source per item */
    ARG_CONCAT,     /* {concat: [a, b, ...]}: the items' bytes, joined when the step runs */
    ARG_SLICE,      /* {slice: a, start: N, end: M}: bytes [start, end) of items[0] (negative: from the end) */
} arg_form;

typedef struct arg_src {
    arg_form form;
    srcloc loc;
    value *literal;         /* ARG_LITERAL */
    char *ref_name;         /* ARG_REF: "key" in ${key.public} */
    char *ref_field;        /* ARG_REF: "public" or NULL */
    char *text;             /* ARG_INTERP: the raw text */
    struct arg_src *items;  /* ARG_LIST: each a literal string or ARG_INTERP */
    char **keys;            /* ARG_LIST of a PT_STRING_MAP: the names */
    size_t n_items;
    long long slice_start, slice_end;   /* ARG_SLICE */
    bool slice_has_end;
} arg_src;

/* One parameter of row d from node n. */
bool args_load(loader *L, const step_def *d, const param_spec *p, const node *n, arg_src *a);
/* A parameter the file leaves out: its default, parsed as a literal would
 * be (ARG_ABSENT without one). */
bool args_default(loader *L, const step_def *d, const param_spec *p, srcloc at, arg_src *a);
/* A scalar holding ${...}: a whole reference (keeps its type) or text. */
bool args_ref(loader *L, const param_spec *p, const node *n, arg_src *a);
/* A literal of any type (numbers, booleans, strings, byte forms, maps,
 * lists): vars and assert values. */
value *args_literal(loader *L, const node *n, int depth);
void args_free(arg_src *a);

#endif
