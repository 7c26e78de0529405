/* Unit tests of the report layer's text and figures: the UTF-8 decoder,
 * what the console, HTML and JUnit writers make of hostile text, and the
 * order statistics (known answers), a failing program's stderr tail. */
#include "unit.h"
#include "report/failtail.h"
#include "report/html_text.h"
#include "report/stats.h"
#include "report/termtext.h"
#include "report/utf8.h"

#include <stdlib.h>
#include <string.h>

static void decode(const char *s, size_t n, long want_cp, size_t want_len)
{
    size_t len;
    long cp = utf8_decode(s, n, &len);
    CHECK(cp == want_cp && len == want_len, "decode %zu bytes: got %ld/%zu, want %ld/%zu", n, cp, len, want_cp,
          want_len);
}

static void test_utf8(void)
{
    decode("A", 1, 'A', 1);
    decode("\xc3\xa9", 2, 0xE9, 2);
    decode("\xef\xbf\xbe", 3, 0xFFFE, 3);
    decode("\xf0\x9f\x98\x80", 4, 0x1F600, 4);
    decode("\xc0\xaf", 2, -1, 1);            /* overlong '/' */
    decode("\xe0\x80\xaf", 3, -1, 1);        /* overlong */
    decode("\xed\xa0\x80", 3, -1, 1);        /* a surrogate */
    decode("\xf4\x90\x80\x80", 4, -1, 1);    /* above U+10FFFF */
    decode("\xe2\x82", 2, -1, 1);            /* truncated */
    decode("\x80", 1, -1, 1);                /* a stray continuation byte */
    CHECK(utf8_is_noncharacter(0xFFFE) && utf8_is_noncharacter(0x10FFFF) && utf8_is_noncharacter(0xFDD0),
          "non-characters");
    CHECK(!utf8_is_noncharacter(0xFFFD) && !utf8_is_noncharacter(0xFDF0), "characters");
}

typedef void (*writer)(FILE *, const char *);

static char *through(writer w, const char *s)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    w(f, s);
    fclose(f);
    return buf;
}

static void expect(writer w, const char *name, const char *in, const char *want)
{
    char *got = through(w, in);
    CHECK(!strcmp(got, want), "%s: got '%s', want '%s'", name, got, want);
    free(got);
}

static void test_termtext(void)
{
    expect(termtext_put, "termtext", "a\x1b[31mb\x07", "a\\x1b[31mb\\x07");
    expect(termtext_put, "termtext", "tab\there\nnl\r", "tab\\there\\nnl\\r");
    expect(termtext_put, "termtext", "c1 \xc2\x9b" "2J", "c1 \\u009b2J");
    expect(termtext_put, "termtext", "bidi \xe2\x80\xae!", "bidi \\u202e!");
    expect(termtext_put, "termtext", "bad \xff\xc3", "bad \\xff\\xc3");
    expect(termtext_put, "termtext", "caf\xc3\xa9 \xef\xbf\xbe", "caf\xc3\xa9 \xef\xbf\xbe");  /* not controls */
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    termtext_printf(f, "%s: %s\n", "x\ny", "z\n");
    fclose(f);
    CHECK(!strcmp(buf, "x\\ny: z\\n\n"), "printf keeps only the final newline: '%s'", buf);
    free(buf);
}

static void test_html_text(void)
{
    expect(html_text_put, "html", "<a href=\"x\">'&'</a>", "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    expect(html_text_put, "html", "\x1b\x01\t\n", "\xef\xbf\xbd\xef\xbf\xbd\t\n");
    expect(html_text_put, "html", "\xef\xbf\xbf\xe2\x80\xae\xff", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static stats of(const double *v, size_t n)
{
    samples s = { 0 };
    for (size_t i = 0; i < n; i++)
        stats_add(&s, v[i]);
    stats st = stats_of(&s);
    stats_free(&s);
    return st;
}

static void test_stats(void)
{
    const double one[] = { 4 };
    stats st = of(one, 1);
    CHECK(st.n == 1 && st.min == 4 && st.median == 4 && st.p95 == 4 && st.max == 4, "one sample");
    const double four[] = { 9, 1, 4, 2 };
    st = of(four, 4);
    CHECK(st.min == 1 && st.median == 3 && st.p95 == 9 && st.max == 9 && st.sum == 16, "four: median %g", st.median);
    double twenty[20];
    for (int i = 0; i < 20; i++)
        twenty[i] = 20 - i;     /* 20 .. 1 */
    st = of(twenty, 20);
    CHECK(st.p95 == 19 && st.median == 10.5, "twenty: p95 %g (the 19th), median %g", st.p95, st.median);
    double hundred[100];
    for (int i = 0; i < 100; i++)
        hundred[i] = i + 1;
    st = of(hundred, 100);
    CHECK(st.p95 == 95, "hundred: p95 %g", st.p95);
    st = of(NULL, 0);
    CHECK(st.n == 0 && st.max == 0, "no samples");
}

/* failtail's lines for a result whose failed step 0 wrote stderr err, with message msg. */
static char *tail_of(const char *err, const char *msg)
{
    json_t *r = json_pack("{s:s, s:{s:i}, s:[{s:i, s:{s:s}}]}", "message", msg, "failed_step", "index", 0,
                          "steps", "index", 0, "outputs", "stderr", err);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    failtail_print(f, r, "> ");
    fclose(f);
    json_decref(r);
    return buf;
}

static void tail_is(const char *err, const char *msg, const char *want)
{
    char *got = tail_of(err, msg);
    CHECK(!strcmp(got, want), "failtail of '%s': got '%s', want '%s'", err, got, want);
    free(got);
}

static void test_failtail(void)
{
    tail_is("", "exit status 1, expected 0", "");
    tail_is("one\n", "exit status 1, expected 0: one", "");        /* the message has it */
    tail_is("one\n", "output 'stdout' is ...", "> stderr:\n>   one\n");
    tail_is("a\r\nb\x1b[2J\r\n\n", "x", "> stderr:\n>   a\n>   b\\x1b[2J\n");
    char many[256] = "";
    for (int i = 1; i <= 12; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%d\n", i);
    char *got = tail_of(many, "x");
    const char *head = "> stderr, last 10 of 12 lines:\n>   3\n";
    CHECK(!strncmp(got, head, strlen(head)) && strstr(got, ">   12\n") &&
          !strstr(got, ">   2\n"), "twelve lines: %s", got);
    free(got);
    char wide[FAILTAIL_WIDTH + 40];
    memset(wide, 'w', sizeof wide - 1);
    wide[FAILTAIL_WIDTH - 1] = '\xc3';      /* a two-byte character across the cut */
    wide[FAILTAIL_WIDTH] = '\xa9';
    wide[sizeof wide - 1] = 0;
    got = tail_of(wide, "x");
    CHECK(strlen(got) == strlen("> stderr:\n>   ") + FAILTAIL_WIDTH - 1 + strlen(" [...]\n") &&
          strstr(got, "w [...]\n"), "a long line is cut before the character: %s", got);
    free(got);
}

int main(void)
{
    test_utf8();
    test_termtext();
    test_html_text();
    test_stats();
    test_failtail();
    return unit_report();
}
