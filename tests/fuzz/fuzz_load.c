/* fuzz_load: libFuzzer target for the scenario loader and checker -- what
 * `tpmrun --check` does: parse (YAML or JSON), type-check every step
 * against the registry, parse every text syntax, check references, and the
 * --untrusted checks.  No TPM, nothing runs.
 *
 * Each input is written to a scenario file in a private directory ($TMPDIR,
 * else /dev/shm; the
 * loader takes paths: {file:} names resolve beside it), as s.json when it
 * starts with '{', else s.yaml.  Reads are confined to that directory
 * (--untrusted's rule), so a fuzzed {file: /dev/...} reads nothing of the
 * host.  The directory holds a few files for {file:} to find.
 *
 *   make fuzz                       30 s from tests/fuzz/corpus
 *   make fuzz FUZZ_SECONDS=600      longer */
#include "base/confine.h"
#include "load/registry.h"
#include "load/scenario.h"
#include "load/untrusted.h"
#include "steps/steps.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];

static void put(const char *name, const void *data, size_t len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len) {
        perror(path);
        abort();
    }
    fclose(f);
}

static void remove_dir(void)
{
    static const char *const names[] = { "data.bin", "policy.json", "P_x.json", "s.json", "s.yaml" };
    char path[512];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static const step_def *const families[] = {
#define FAMILY(name) steps_##name,
        STEP_FAMILIES(FAMILY)
#undef FAMILY
    };
    registry_set_families(families, sizeof families / sizeof *families);
    /* each input is a file write: in memory when there is a /dev/shm */
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/tpmrun-fuzz-XXXXXX", tmp);
    if (!mkdtemp(dir)) {
        perror(dir);
        abort();
    }
    atexit(remove_dir);
    put("data.bin", "fooo", 4);
    put("policy.json", "{\"policy\":[{\"type\":\"POLICYPASSWORD\"}]}", 38);
    put("P_x.json", "{\"type\":\"TPM2_ALG_RSA\"}", 23);
    confine_reads(true);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *name = size && data[0] == '{' ? "s.json" : "s.yaml";
    put(name, data, size);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    scenario *sc = NULL;
    diag d = { 0 };
    if (scenario_load(path, &sc, &d))
        untrusted_check(sc, &d);
    diag_clear(&d);
    scenario_free(sc);
    return 0;
}
