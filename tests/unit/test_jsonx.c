/* Unit tests of engine/base/jsonx: text that did not come from tpmrun
 * becomes a JSON string whatever its bytes (valid UTF-8 kept, every other
 * byte U+FFFD), and the result always serialises. */
#include "unit.h"
#include "base/jsonx.h"

#include <stdlib.h>
#include <string.h>

#define FFFD "\xEF\xBF\xBD"

static void valid(const char *s, size_t n, bool want)
{
    check(jsonx_utf8_valid(s, n) == want, "utf8_valid of %zu bytes starting %02x: want %d", n,
          n ? (unsigned char)s[0] : 0, want);
}

/* jsonx_textn(in) is a string holding exactly `want`. */
static void text(const char *in, size_t n, const char *want, size_t want_len)
{
    json_t *j = jsonx_textn(in, n);
    check(j && json_is_string(j), "jsonx_textn gave a string");
    check(j && json_string_length(j) == want_len && memcmp(json_string_value(j), want, want_len) == 0,
          "jsonx_textn of %zu bytes: got '%s'", n, j ? json_string_value(j) : "(null)");
    char *dumped = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    check(dumped != NULL, "the string serialises");
    json_error_t e;
    json_t *back = dumped ? json_loads(dumped, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e) : NULL;
    check(back && json_equal(back, j), "and reads back the same");
    json_decref(back);
    free(dumped);
    json_decref(j);
}

int main(void)
{
    valid("", 0, true);
    valid("plain ascii", 11, true);
    valid("caf\xC3\xA9", 5, true);                  /* é */
    valid("\xE2\x82\xAC", 3, true);                 /* € */
    valid("\xF0\x9F\x98\x80", 4, true);             /* U+1F600 */
    valid("\xEF\xBF\xBE", 3, true);                 /* U+FFFE: a non-character, still UTF-8 */
    valid("caf\xE9", 4, false);                     /* Latin-1 é */
    valid("\xC0\xAF", 2, false);                    /* overlong '/' */
    valid("\xE0\x80\xAF", 3, false);                /* overlong, 3 bytes */
    valid("\xED\xA0\x80", 3, false);                /* a surrogate (U+D800) */
    valid("\xF4\x90\x80\x80", 4, false);            /* above U+10FFFF */
    valid("\xE2\x82", 2, false);                    /* cut short */
    valid("\x80", 1, false);                        /* a lone continuation byte */
    valid("a\0b", 3, true);                         /* NUL is UTF-8 (JSON writes \u0000) */

    text("caf\xC3\xA9", 5, "caf\xC3\xA9", 5);
    text("caf\xE9.yaml", 9, "caf" FFFD ".yaml", 11);
    text("\xE2\x82", 2, FFFD FFFD, 6);
    text("\xC0\xAF/x", 4, FFFD FFFD "/x", 8);
    text("\xED\xA0\x80", 3, FFFD FFFD FFFD, 9);
    text("", 0, "", 0);
    text("a\0b", 3, "a\0b", 3);

    json_t *n = jsonx_text(NULL);
    check(json_is_null(n), "jsonx_text(NULL) is null");
    json_decref(n);

    /* jansson itself refuses the Latin-1 text: the reason for jsonx_text */
    check(json_string("caf\xE9") == NULL, "json_string refuses invalid UTF-8");
    json_t *packed = json_pack("{s:o}", "file", jsonx_text("dir\xE9/caf\xE9.yaml"));
    check(packed != NULL, "json_pack with jsonx_text does not fail");
    json_decref(packed);

    size_t len = 0;
    char *fixed = jsonx_utf8_fix("\xFF" "ok", 3, &len);
    check(fixed && len == 5 && strcmp(fixed, FFFD "ok") == 0, "utf8_fix");
    free(fixed);
    return unit_report();
}
