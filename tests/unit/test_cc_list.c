/* Unit tests of engine/tpm/tpm_cc's command lists (the command-code-list
 * syntax of TPM2_SetCommandCodeAuditStatus): known codes from the TPM 2.0
 * specification, blank text, and where each error points. */
#include "unit.h"
#include "tpm/tpm_cc.h"

#include <string.h>

static TPML_CC l;

static bool parses(const char *s)
{
    diag d = { 0 };
    bool ok = tpm_cc_parse_list(s, &l, &d);
    diag_clear(&d);
    return ok;
}

/* The error's offset and whether its message has `part`. */
static bool fails_at(const char *s, size_t offset, const char *part)
{
    diag d = { 0 };
    bool ok = !tpm_cc_parse_list(s, &l, &d) && d.offset == offset && d.msg && strstr(d.msg, part);
    if (!ok)
        fprintf(stderr, "  '%s': offset %zu, message %s\n", s, d.offset, d.msg ? d.msg : "(none)");
    diag_clear(&d);
    return ok;
}

static void test_known_codes(void)
{
    CHECK(parses("GetRandom") && l.count == 1 && l.commandCodes[0] == 0x17B, "GetRandom is 0x17b");
    CHECK(parses(" getrandom | SIGN|0x140 |Quote ") && l.count == 4 && l.commandCodes[0] == 0x17B &&
              l.commandCodes[1] == 0x15D && l.commandCodes[2] == 0x140 && l.commandCodes[3] == 0x158,
          "any case, spaces, a number, in the order given");
    CHECK(parses("379") && l.count == 1 && l.commandCodes[0] == 379, "decimal");
    CHECK(parses("NV_DefineSpace|PolicyOR|EncryptDecrypt2") && l.count == 3 && l.commandCodes[0] == 0x12A &&
              l.commandCodes[1] == 0x171 && l.commandCodes[2] == 0x193, "names with '_' and digits");
    CHECK(parses("") && l.count == 0, "empty text: no command");
    CHECK(parses("   ") && l.count == 0, "blank text: no command");
}

static void test_errors(void)
{
    CHECK(fails_at("GetRandom|GetRandm", 10, "did you mean 'GetRandom'"), "a typo, with a hint");
    CHECK(fails_at("Sign||Quote", 5, "empty command"), "an empty item");
    CHECK(fails_at("Sign| ", 6, "empty command"), "a trailing '|': where the command should be");
    CHECK(fails_at("Sign|TPM2_CC_Quote", 5, "without TPM2_CC_"), "the prefix is not a list word");
    CHECK(fails_at("0x17b|getrandom", 6, "twice"), "the same command twice");
    CHECK(fails_at("Sign|0x1zz", 5, "bad command code"), "a bad number");
    CHECK(fails_at("Sign|99999999999", 5, "bad command code"), "a number above 32 bits");
}

static void test_words(void)
{
    const char *const *names = tpm_cc_names();
    size_t n = 0;
    bool all_parse = true;
    for (; names[n]; n++) {
        uint32_t cc = 0;
        all_parse = all_parse && parses(names[n]) && l.count == 1 && tpm_cc_parse(names[n], &cc, NULL) &&
                    cc == l.commandCodes[0];
    }
    CHECK(n > 100 && all_parse, "every schema word parses to its code (%zu words)", n);
}

int main(void)
{
    test_known_codes();
    test_errors();
    test_words();
    return unit_report();
}
