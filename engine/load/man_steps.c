/* man_steps: tpmrun-steps(7) from the registry rows and the syntax table.
 * Text from the rows is escaped for roff: a backslash, a leading dot or
 * quote, '-' (so that examples such as rsa2048:rsassa-sha384 copy as
 * typed) and non-ASCII characters (as \[uXXXX], whatever the locale). */
#include "load/man_steps.h"
#include "load/registry.h"
#include "load/syntax.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One UTF-8 sequence at s; its code point, *len its length (1 for a stray byte). */
static uint32_t utf8_next(const unsigned char *s, size_t *len)
{
    int extra = s[0] >= 0xf0 ? 3 : s[0] >= 0xe0 ? 2 : s[0] >= 0xc0 ? 1 : 0;
    uint32_t cp = extra ? s[0] & (0x3f >> extra) : s[0];
    for (int i = 1; i <= extra; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *len = 1;
            return 0xfffd;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    *len = (size_t)extra + 1;
    return cp;
}

/* Text on a line of its own or inside a line: roff's special characters escaped. */
static void put_text(FILE *f, const char *text, bool line_start)
{
    const unsigned char *s = (const unsigned char *)text;
    if (line_start && (*s == '.' || *s == '\''))
        fputs("\\&", f);
    while (*s) {
        size_t len = 1;
        if (*s == '\\')
            fputs("\\e", f);
        else if (*s == '-')
            fputs("\\-", f);
        else if (*s == '\n')
            fputc(' ', f);
        else if (*s < 0x80)
            fputc(*s, f);
        else
            fprintf(f, "\\[u%04X]", (unsigned)utf8_next(s, &len));
        s += len;
    }
}

/* A doc line, then more sentences: it gets a full stop first. */
static void put_doc(FILE *f, const char *doc)
{
    put_text(f, doc, true);
    size_t n = strlen(doc);
    if (n && doc[n - 1] != '.')
        fputc('.', f);
}

static void put_line(FILE *f, const char *text)
{
    put_text(f, text, true);
    fputc('\n', f);
}

/* .TP with "name (type, required)" as the tag: the name bold. */
static void put_item(FILE *f, const char *name, const char *type, bool required)
{
    fputs(".TP\n.BR ", f);
    put_text(f, name, false);
    fputs(" \" (", f);
    put_text(f, type, false);
    fprintf(f, "%s)\"\n", required ? ", required" : "");
}

/* " Give exactly one of a, b." for a row's PF_ONE_OF parameters. */
static void put_one_of(FILE *f, const step_def *d)
{
    fputs(" Give exactly one of", f);
    const char *sep = " ";
    for (const param_spec *p = d->params; p && p->name; p++) {
        if (!(p->flags & PF_ONE_OF))
            continue;
        fprintf(f, "%s\\fB", sep);
        put_text(f, p->name, false);
        fputs("\\fR", f);
        sep = ", ";
    }
    fputc('.', f);
}

static void put_step(FILE *f, const step_def *d)
{
    fputs(".SS ", f);
    put_line(f, d->name);
    put_line(f, d->doc);
    if (!d->params || !d->params->name)
        fputs(".PP\nNo parameters.\n", f);
    for (const param_spec *p = d->params; p && p->name; p++) {
        put_item(f, p->name, registry_param_type_name(p), p->flags & PF_REQUIRED);
        put_doc(f, p->doc);
        if (p->flags & PF_ONE_OF)
            put_one_of(f, d);
        if (p->flags & PF_SECRET)
            fputs(" Redacted in results unless \\fB\\%\\-\\-show\\-secrets\\fR.", f);
        if (p->def) {
            fputs(" Default: \\fB", f);
            put_text(f, p->def, false);
            fputs("\\fR.", f);
        }
        fputc('\n', f);
    }
    if (d->outputs && d->outputs->name)
        fputs(".PP\nOutputs:\n", f);
    for (const output_spec *o = d->outputs; o && o->name; o++) {
        put_item(f, o->name, registry_output_type_name(o), false);
        put_line(f, o->doc);
    }
}

static void put_syntaxes(FILE *f)
{
    fputs(".SH TEXT SYNTAXES\n"
          "Parameters of these types are text, checked when the file is loaded;\n"
          "words are accepted in any case.\n", f);
    for (int id = 0; id < SX_COUNT; id++) {
        const syntax *sx = syntax_get((syntax_id)id);
        fputs(".TP\n.B ", f);
        put_line(f, sx->name);
        put_line(f, sx->doc);
        const char **words = syntax_words((syntax_id)id);
        if (words && sx->form != SCHEMA_PATTERN) {
            fputs(".RS\n.PP\n", f);
            fputs(sx->form == SCHEMA_LIST ? "Words, joined with |: " : "Words: ", f);
            for (size_t i = 0; words[i]; i++) {
                put_text(f, words[i], i == 0);
                fputs(words[i + 1] ? ", " : ".\n", f);
            }
            fputs(".RE\n", f);
        }
        free(words);
    }
}

static const char intro[] =
    ".SH NAME\n"
    "tpmrun-steps \\- the steps of tpmrun scenario files\n"
    ".SH DESCRIPTION\n"
    "A step of a scenario file (see\n"
    ".BR tpmrun\\-scenario (5))\n"
    "is a mapping with one key that names the step; its value maps parameter\n"
    "names to values.\n"
    "This page lists every step with its parameters and outputs; it is\n"
    "generated from tpmrun's step registry\n"
    ".RB ( \"tpmrun \\-\\-list\\-steps \\-\\-man\" ),\n"
    "as are\n"
    ".B tpmrun \\-\\-list\\-steps \\-v\n"
    "and the JSON Schema of scenario files.\n"
    ".PP\n"
    "Parameter types:\n"
    ".B bytes\n"
    "(UTF\\-8 text, {hex: ...}, {base64: ...}, {file: path} or a reference),\n"
    ".B string\n"
    "(text),\n"
    ".BR integer ,\n"
    ".BR boolean ,\n"
    ".B object\n"
    "and\n"
    ".B session\n"
    "(a reference to what an earlier step saved),\n"
    "a TPM structure such as\n"
    ".B TPM2B_PUBLIC\n"
    "(its bytes in wire form, or an output that is one),\n"
    ".B json\\-policy\n"
    "(a TCG TSS JSON policy: text, inline YAML or JSON, or {file: path}),\n"
    ".B string\\-list\n"
    "and\n"
    ".BR string\\-map ,\n"
    ".B any\n"
    "and the text syntaxes listed under\n"
    ".BR \"TEXT SYNTAXES\" .\n"
    "Any parameter may be a reference, ${name} or ${name.field}.\n"
    ".PP\n"
    "Outputs are what a step gives: with\n"
    ".BR \"save: name\" ,\n"
    "${name} is the first output listed and ${name.field} any of them.\n"
    "Steps that send TPM commands also take the step keys\n"
    ".BR sessions ,\n"
    ".B locality\n"
    "and\n"
    ".BR tpm ;\n"
    "every step takes\n"
    ".BR name ,\n"
    ".B save\n"
    "and\n"
    ".B expect\n"
    "(see\n"
    ".BR tpmrun\\-scenario (5)).\n"
    ".SH STEPS\n";

static const char outro[] =
    ".SH SEE ALSO\n"
    ".BR tpmrun (1),\n"
    ".BR tpmrun\\-scenario (5)\n";

void man_steps_write(FILE *f, const char *version)
{
    fputs(".\\\" Generated by tpmrun --list-steps --man from the step registry (make man); do not edit.\n", f);
    fputs(".TH TPMRUN\\-STEPS 7 \"\" \"tpmrun ", f);
    put_text(f, version, false);
    fputs("\" \"tpmrun manual\"\n.nh\n.ad l\n", f);  /* identifiers read badly hyphenated or spread */
    fputs(intro, f);
    size_t n;
    const step_def *const *rows = registry_all(&n);
    for (size_t i = 0; i < n; i++)
        if (!(rows[i]->needs & NEED_TEST))
            put_step(f, rows[i]);
    put_syntaxes(f);
    fputs(outro, f);
}
