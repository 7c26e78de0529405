/* Unit tests of engine/load/man_steps (tpmrun-steps(7)): rows whose docs
 * hold what roff would misread -- a leading dot or quote, backslashes,
 * '-', non-ASCII and a stray byte -- come out escaped, groff formats the
 * page without a warning and shows the text as written; test-only rows are
 * left out. */
#include "unit.h"
#include "load/man_steps.h"
#include "load/registry.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const param_spec tricky_params[] = {
    { "first", PT_STRING, PF_ONE_OF, NULL, ".starts with a dot" },
    { "second", PT_BYTES, PF_ONE_OF | PF_SECRET, NULL, "'starts with a quote" },
    { "scheme", PT_SYNTAX, 0, "rsassa-sha384", "a scheme", .syntax = SX_SIG_SCHEME },
    { 0 },
};
static const output_spec tricky_outputs[] = {
    { "path", PT_STRING, 0, "C:\\dir\\file \xe2\x80\x94 caf\xc3\xa9 \xff!", 0 },
    { 0 },
};
static const step_def family[] = {
    { "test.tricky", "a row -- with dashes", NEED_ESYS, tricky_params, tricky_outputs, NULL },
    { "test.bare", "no parameters, no outputs", 0, NULL, NULL, NULL },
    { "test.hidden", "only for tpmrun's own tests", NEED_TEST, NULL, NULL, NULL },
    { 0 },
};

static char *page(void)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    man_steps_write(f, "9.9-test");
    fclose(f);
    return text;
}

/* What a shell command prints (stderr too) for the page as its input. */
static char *run_on(const char *cmd, const char *text)
{
    const char *tmp = getenv("TMPDIR");
    char *path = NULL, *shell = NULL, *line = NULL, *out = NULL;
    size_t cap = 0, len = 0;
    if (asprintf(&path, "%s/man_steps_XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0)
        return NULL;
    int fd = mkstemp(path);
    bool written = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    if (fd >= 0)
        close(fd);
    FILE *p = written && asprintf(&shell, "%s < %s 2>&1", cmd, path) >= 0 ? popen(shell, "r") : NULL;
    FILE *o = open_memstream(&out, &len);
    while (p && getline(&line, &cap, p) >= 0)
        fputs(line, o);
    fclose(o);
    if (p)
        pclose(p);
    if (fd >= 0)
        unlink(path);
    free(line);
    free(shell);
    free(path);
    return out;
}

static void test_escapes(const char *t)
{
    CHECK(strstr(t, ".TH TPMRUN\\-STEPS 7 \"\" \"tpmrun 9.9\\-test\" \"tpmrun manual\"\n"), "header");
    CHECK(strstr(t, "\n\\&.starts with a dot."), "a leading dot is escaped");
    CHECK(strstr(t, "\n\\&'starts with a quote."), "a leading quote is escaped");
    CHECK(strstr(t, "C:\\edir\\efile \\[u2014] caf\\[u00E9] \\[uFFFD]!"), "backslashes, UTF-8, a stray byte");
    CHECK(strstr(t, "a row \\-\\- with dashes"), "dashes");
    CHECK(strstr(t, "Default: \\fBrsassa\\-sha384\\fR."), "a default");
    CHECK(strstr(t, "Give exactly one of \\fBfirst\\fR, \\fBsecond\\fR."), "the alternatives are named");
    CHECK(strstr(t, "Redacted in results unless"), "a secret says so");
    CHECK(strstr(t, ".SS test.bare\nno parameters, no outputs\n.PP\nNo parameters.\n"), "a bare row");
    CHECK(!strstr(t, "test.hidden"), "test-only rows are left out");
    CHECK(strstr(t, ".TP\n.B signature-scheme\n") || strstr(t, ".TP\n.B signature\\-scheme\n"), "the syntaxes");
}

static void test_groff(const char *t)
{
    char *warnings = run_on("groff -man -ww -Tutf8 -z", t);
    CHECK(warnings && !*warnings, "groff warns: %s", warnings ? warnings : "(could not run groff)");
    free(warnings);
    char *shown = run_on("groff -man -Tutf8 -P-cbou", t);
    CHECK(shown && strstr(shown, "C:\\dir\\file \xe2\x80\x94 caf\xc3\xa9"), "shown as written: %s",
          shown ? shown : "(could not run groff)");
    CHECK(shown && strstr(shown, ".starts with a dot."), "the dotted line is text");
    CHECK(shown && strstr(shown, "rsassa-sha384"), "a dash reads as a dash");
    free(shown);
}

int main(void)
{
    static const step_def *const families[] = { family };
    setenv("TPMRUN_TEST_STEPS", "1", 1);    /* the row is there, and still left out */
    registry_set_families(families, 1);
    char *t = page();
    test_escapes(t);
    test_groff(t);
    free(t);
    return unit_report();
}
