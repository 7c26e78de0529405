/* tpm_wire: command layouts (TPM 2.0 Part 3) and the secrets in them.
 * Structures are walked with libtss2-mu; the table of handle counts is
 * the TPMA_CC of each command (tests compare it with swtpm's). */
#include "tpm/tpm_wire.h"

#include <string.h>
#include <tss2/tss2_mu.h>
#include <tss2/tss2_tpm2_types.h>

/* ---- handles ----------------------------------------------------------- */

/* Command index -> handles in the command, a handle in the response. */
static const struct { uint16_t index; uint8_t handles, resp_handle; } handle_counts[] = {
    { 0x11F, 2, 0 }, { 0x120, 2, 0 }, { 0x121, 1, 0 }, { 0x122, 2, 0 }, { 0x124, 1, 0 }, { 0x125, 1, 0 },
    { 0x126, 1, 0 }, { 0x127, 1, 0 }, { 0x128, 1, 0 }, { 0x129, 1, 0 }, { 0x12A, 1, 0 }, { 0x12B, 1, 0 },
    { 0x12C, 1, 0 }, { 0x12D, 1, 0 }, { 0x12E, 1, 0 }, { 0x12F, 2, 0 }, { 0x130, 1, 0 }, { 0x131, 1, 1 },
    { 0x132, 1, 0 }, { 0x133, 2, 0 }, { 0x134, 2, 0 }, { 0x135, 2, 0 }, { 0x136, 2, 0 }, { 0x137, 2, 0 },
    { 0x138, 2, 0 }, { 0x139, 1, 0 }, { 0x13A, 1, 0 }, { 0x13B, 1, 0 }, { 0x13C, 1, 0 }, { 0x13D, 1, 0 },
    { 0x13E, 1, 0 }, { 0x13F, 1, 0 }, { 0x140, 1, 0 }, { 0x141, 0, 0 }, { 0x142, 0, 0 }, { 0x143, 0, 0 },
    { 0x144, 0, 0 }, { 0x145, 0, 0 }, { 0x146, 0, 0 }, { 0x147, 2, 0 }, { 0x148, 2, 0 }, { 0x149, 3, 0 },
    { 0x14A, 2, 0 }, { 0x14B, 2, 0 }, { 0x14C, 2, 0 }, { 0x14D, 3, 0 }, { 0x14E, 2, 0 }, { 0x14F, 2, 0 },
    { 0x150, 2, 0 }, { 0x151, 2, 0 }, { 0x152, 2, 0 }, { 0x153, 1, 0 }, { 0x154, 1, 0 }, { 0x155, 1, 0 },
    { 0x156, 1, 0 }, { 0x157, 1, 1 }, { 0x158, 1, 0 }, { 0x159, 1, 0 }, { 0x15B, 1, 1 }, { 0x15C, 1, 0 },
    { 0x15D, 1, 0 }, { 0x15E, 1, 0 }, { 0x160, 2, 0 }, { 0x161, 0, 1 }, { 0x162, 1, 0 }, { 0x163, 1, 0 },
    { 0x164, 1, 0 }, { 0x165, 0, 0 }, { 0x167, 0, 1 }, { 0x168, 1, 0 }, { 0x169, 1, 0 }, { 0x16A, 1, 0 },
    { 0x16B, 1, 0 }, { 0x16C, 1, 0 }, { 0x16D, 1, 0 }, { 0x16E, 1, 0 }, { 0x16F, 1, 0 }, { 0x170, 1, 0 },
    { 0x171, 1, 0 }, { 0x172, 1, 0 }, { 0x173, 1, 0 }, { 0x174, 1, 0 }, { 0x176, 2, 1 }, { 0x177, 1, 0 },
    { 0x178, 0, 0 }, { 0x179, 0, 0 }, { 0x17A, 0, 0 }, { 0x17B, 0, 0 }, { 0x17C, 0, 0 }, { 0x17D, 0, 0 },
    { 0x17E, 0, 0 }, { 0x17F, 1, 0 }, { 0x180, 1, 0 }, { 0x181, 0, 0 }, { 0x182, 1, 0 }, { 0x183, 1, 0 },
    { 0x184, 3, 0 }, { 0x185, 2, 0 }, { 0x186, 0, 1 }, { 0x187, 1, 0 }, { 0x188, 1, 0 }, { 0x189, 1, 0 },
    { 0x18A, 0, 0 }, { 0x18B, 1, 0 }, { 0x18C, 1, 0 }, { 0x18D, 1, 0 }, { 0x18E, 0, 0 }, { 0x18F, 1, 0 },
    { 0x190, 1, 0 }, { 0x191, 1, 1 }, { 0x192, 3, 0 }, { 0x193, 1, 0 }, { 0x194, 1, 0 }, { 0x195, 3, 0 },
    { 0x196, 1, 0 }, { 0x197, 2, 0 }, { 0x198, 1, 0 }, { 0x199, 1, 0 }, { 0x19A, 1, 0 }, { 0x19B, 1, 0 },
    { 0x19C, 1, 0 }, { 0x19D, 1, 0 }, { 0x19E, 1, 0 }, { 0x19F, 1, 0 },
    { 0x107, 1, 1 },    /* MAC_Start (MAC shares HMAC's 0x155) */
};

bool tpm_wire_handles(uint32_t cc, unsigned *cmd_handles, bool *resp_handle)
{
    if (cc >> 16)      /* vendor-specific (V) or not a command code */
        return false;
    for (size_t i = 0; i < sizeof handle_counts / sizeof *handle_counts; i++) {
        if (handle_counts[i].index == cc) {
            *cmd_handles = handle_counts[i].handles;
            *resp_handle = handle_counts[i].resp_handle;
            return true;
        }
    }
    return false;
}

/* ---- parameter layouts -------------------------------------------------- */

typedef enum {
    W_END,
    W_B,            /* a TPM2B that is not secret */
    W_SECRET,       /* a TPM2B whose bytes are secret */
    W_SENS_CREATE,  /* TPM2B_SENSITIVE_CREATE: userAuth and data are secret */
    W_SENSITIVE,    /* TPM2B_SENSITIVE: authValue, seedValue and the key are secret */
    W_POINT,        /* TPM2B_ECC_POINT that is a shared secret: x and y */
    W_DUP,          /* TPM2B_PRIVATE duplicate: secret when nothing wraps it */
    W_SEED,         /* TPM2B_ENCRYPTED_SECRET of a duplicate: empty = no outer wrapper */
    W_SYMDEF,       /* TPMT_SYM_DEF_OBJECT: the inner wrapper (TPM2_ALG_NULL: none) */
} wkind;

enum { MAX_PARAMS = 5 };

#define CC_MAC_START 0x107u
#define CC_ECC_DECRYPT 0x19Au

static const struct {
    uint32_t cc;
    wkind cmd[MAX_PARAMS], resp[MAX_PARAMS];   /* up to the last one that matters */
} layouts[] = {
    { TPM2_CC_Create, { W_SENS_CREATE }, { 0 } },
    { TPM2_CC_CreatePrimary, { W_SENS_CREATE }, { 0 } },
    { TPM2_CC_CreateLoaded, { W_SENS_CREATE }, { 0 } },
    { TPM2_CC_LoadExternal, { W_SENSITIVE }, { 0 } },
    { TPM2_CC_Import, { W_SECRET, W_B, W_DUP, W_SEED, W_SYMDEF }, { 0 } },
    { TPM2_CC_Duplicate, { W_SECRET, W_SYMDEF }, { W_SECRET, W_DUP, W_SEED } },
    { TPM2_CC_Rewrap, { W_DUP, W_B, W_SEED }, { W_DUP, W_SEED } },
    { TPM2_CC_ObjectChangeAuth, { W_SECRET }, { 0 } },
    { TPM2_CC_HierarchyChangeAuth, { W_SECRET }, { 0 } },
    { TPM2_CC_NV_ChangeAuth, { W_SECRET }, { 0 } },
    { TPM2_CC_NV_DefineSpace, { W_SECRET }, { 0 } },
    { TPM2_CC_HMAC_Start, { W_SECRET }, { 0 } },
    { CC_MAC_START, { W_SECRET }, { 0 } },
    { TPM2_CC_HashSequenceStart, { W_SECRET }, { 0 } },
    { TPM2_CC_PCR_SetAuthValue, { W_SECRET }, { 0 } },
    { TPM2_CC_MakeCredential, { W_SECRET }, { 0 } },
    { TPM2_CC_Unseal, { 0 }, { W_SECRET } },
    { TPM2_CC_RSA_Decrypt, { 0 }, { W_SECRET } },
    { CC_ECC_DECRYPT, { 0 }, { W_SECRET } },
    { TPM2_CC_ActivateCredential, { 0 }, { W_SECRET } },
    { TPM2_CC_ECDH_ZGen, { 0 }, { W_POINT } },
    { TPM2_CC_ECDH_KeyGen, { 0 }, { W_POINT } },
    { TPM2_CC_ZGen_2Phase, { 0 }, { W_POINT, W_POINT } },
};

static const wkind *layout_of(uint32_t cc, bool response)
{
    for (size_t i = 0; i < sizeof layouts / sizeof *layouts; i++)
        if (layouts[i].cc == cc)
            return response ? layouts[i].resp : layouts[i].cmd;
    return NULL;
}

/* ---- walking ------------------------------------------------------------ */

typedef struct wire {
    uint8_t *b;
    size_t end;         /* of the area being walked */
    size_t redacted;    /* bytes overwritten */
} wire;

static void overwrite(wire *w, size_t at, size_t n)
{
    memset(w->b + at, TPM_WIRE_REDACTED, n);
    w->redacted += n;
}

/* A TPM2B at *off inside [.., end): its data's offset and size; *off moves past it. */
static bool tpm2b_at(const uint8_t *b, size_t end, size_t *off, size_t *data, uint16_t *size)
{
    size_t o = *off;
    uint16_t n;
    if (Tss2_MU_UINT16_Unmarshal(b, end, &o, &n) != TSS2_RC_SUCCESS || n > end - o)
        return false;
    *data = o;
    *size = n;
    *off = o + n;
    return true;
}

/* Overwrites the data of `count` TPM2Bs after `skip` bytes, inside [at, at+len); the
 * whole span when they do not fit it exactly. */
static void overwrite_inner(wire *w, size_t at, size_t len, size_t skip, int count)
{
    size_t off = at + skip, data[3];
    uint16_t size[3];
    bool ok = skip <= len;
    for (int i = 0; ok && i < count; i++)
        ok = tpm2b_at(w->b, at + len, &off, &data[i], &size[i]);
    if (!ok || off != at + len) {
        overwrite(w, at, len);
        return;
    }
    for (int i = 0; i < count; i++)
        overwrite(w, data[i], size[i]);
}

/* One parameter as walked: where its bytes are. */
typedef struct param {
    wkind kind;
    size_t data;        /* TPM2B: its data */
    uint16_t size;
    uint16_t sym_alg;   /* W_SYMDEF */
} param;

/* Reads the parameters of a layout; the number read (fewer when the bytes end or do not parse). */
static int read_params(const wire *w, size_t off, const wkind *layout, param *p)
{
    int n = 0;
    for (; n < MAX_PARAMS && layout[n] != W_END; n++) {
        p[n] = (param){ .kind = layout[n], .sym_alg = TPM2_ALG_NULL };
        if (layout[n] == W_SYMDEF) {
            TPMT_SYM_DEF_OBJECT sym;
            if (Tss2_MU_TPMT_SYM_DEF_OBJECT_Unmarshal(w->b, w->end, &off, &sym) != TSS2_RC_SUCCESS)
                break;
            p[n].sym_alg = sym.algorithm;
            p[n].data = off;
        } else if (!tpm2b_at(w->b, w->end, &off, &p[n].data, &p[n].size)) {
            p[n].data = off;
            break;
        }
    }
    return n;
}

/* Overwrites the secrets among the parameters at off; `first_encrypted`:
 * a session encrypts the first one; `sym_alg` the command's inner wrapper
 * (for a response's duplicate).  Returns the command's inner wrapper. */
static uint16_t redact_params(wire *w, size_t off, const wkind *layout, bool first_encrypted, uint16_t sym_alg)
{
    param p[MAX_PARAMS];
    int want = 0;
    while (want < MAX_PARAMS && layout[want] != W_END)
        want++;
    int got = read_params(w, off, layout, p);
    bool no_seed = false;
    for (int i = 0; i < got; i++) {
        if (p[i].kind == W_SYMDEF)
            sym_alg = p[i].sym_alg;
        if (p[i].kind == W_SEED)
            no_seed = p[i].size == 0;
    }
    for (int i = 0; i < got; i++) {
        if (i == 0 && first_encrypted)
            continue;       /* ciphertext */
        switch (p[i].kind) {
        case W_SECRET: overwrite(w, p[i].data, p[i].size); break;
        case W_SENS_CREATE: overwrite_inner(w, p[i].data, p[i].size, 0, 2); break;
        case W_SENSITIVE:
            if (p[i].size)
                overwrite_inner(w, p[i].data, p[i].size, 2, 3);   /* after sensitiveType */
            break;
        case W_POINT: overwrite_inner(w, p[i].data, p[i].size, 0, 2); break;
        case W_DUP:
            /* no seed and no inner wrapper: a TPM2B_SENSITIVE in the clear */
            if (got == want && no_seed && sym_alg == TPM2_ALG_NULL && p[i].size >= 2)
                overwrite_inner(w, p[i].data + 2, p[i].size - 2u, 2, 3);
            else if (got == want && no_seed && sym_alg == TPM2_ALG_NULL)
                overwrite(w, p[i].data, p[i].size);
            else if (got < want)
                overwrite(w, p[i].data, p[i].size);     /* cannot tell: as if it were */
            break;
        default: break;
        }
    }
    if (got < want && p[got].data < w->end)     /* the rest does not parse: it may hold a secret */
        overwrite(w, p[got].data, w->end - p[got].data);
    return sym_alg;
}

/* The command's authorization area at *off: password and policy sessions'
 * hmac fields are overwritten; *decrypt / *encrypt say whether a session
 * encrypts the first parameter of the command / of the response.  False
 * when it does not parse. */
static bool redact_auth_area(wire *w, size_t *off, bool *decrypt, bool *encrypt)
{
    uint32_t size;
    if (Tss2_MU_UINT32_Unmarshal(w->b, w->end, off, &size) != TSS2_RC_SUCCESS || size > w->end - *off)
        return false;
    size_t end = *off + size;
    while (*off < end) {
        TPMS_AUTH_COMMAND a;
        if (Tss2_MU_TPMS_AUTH_COMMAND_Unmarshal(w->b, end, off, &a) != TSS2_RC_SUCCESS)
            return false;
        if (a.sessionHandle == TPM2_RS_PW || a.sessionHandle >> 24 == TPM2_HT_POLICY_SESSION)
            overwrite(w, *off - a.hmac.size, a.hmac.size);
        *decrypt = *decrypt || (a.sessionAttributes & TPMA_SESSION_DECRYPT);
        *encrypt = *encrypt || (a.sessionAttributes & TPMA_SESSION_ENCRYPT);
    }
    return true;
}

/* What redacting the command learned for its response. */
typedef struct cmd_facts {
    uint32_t cc;
    bool known, encrypt;
    unsigned handles;
    bool resp_handle;
    uint16_t sym_alg;
} cmd_facts;

static void redact_command(wire *w, cmd_facts *f)
{
    size_t off = 0;
    uint16_t tag;
    uint32_t size;
    if (Tss2_MU_UINT16_Unmarshal(w->b, w->end, &off, &tag) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Unmarshal(w->b, w->end, &off, &size) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Unmarshal(w->b, w->end, &off, &f->cc) != TSS2_RC_SUCCESS)
        return;
    if (size < w->end)
        w->end = size;      /* bytes past the command's size are not the command */
    f->known = tpm_wire_handles(f->cc, &f->handles, &f->resp_handle);
    bool sessions = tag == TPM2_ST_SESSIONS, decrypt = false;
    if (!f->known || off + 4 * (size_t)f->handles > w->end) {
        if (sessions && off < w->end)   /* cannot find the sessions: hide all but the header */
            overwrite(w, off, w->end - off);
        return;
    }
    off += 4 * (size_t)f->handles;
    size_t auth_at = off;
    if (sessions && !redact_auth_area(w, &off, &decrypt, &f->encrypt)) {
        overwrite(w, auth_at, w->end - auth_at);
        return;
    }
    const wkind *layout = layout_of(f->cc, false);
    if (layout)
        f->sym_alg = redact_params(w, off, layout, decrypt, TPM2_ALG_NULL);
}

static void redact_response(wire *w, const cmd_facts *f)
{
    size_t off = 0;
    uint16_t tag;
    uint32_t size, rc;
    const wkind *layout = f->known ? layout_of(f->cc, true) : NULL;
    if (!layout || layout[0] == W_END ||
        Tss2_MU_UINT16_Unmarshal(w->b, w->end, &off, &tag) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Unmarshal(w->b, w->end, &off, &size) != TSS2_RC_SUCCESS ||
        Tss2_MU_UINT32_Unmarshal(w->b, w->end, &off, &rc) != TSS2_RC_SUCCESS || rc != TPM2_RC_SUCCESS ||
        (tag != TPM2_ST_SESSIONS && tag != TPM2_ST_NO_SESSIONS))
        return;     /* an error or a warning carries no parameters; garbage is no TPM's */
    if (size < w->end)
        w->end = size;
    off += f->resp_handle ? 4 : 0;
    uint32_t param_size;
    if (tag == TPM2_ST_SESSIONS) {
        if (Tss2_MU_UINT32_Unmarshal(w->b, w->end, &off, &param_size) != TSS2_RC_SUCCESS) {
            if (off < w->end)
                overwrite(w, off, w->end - off);
            return;
        }
        if (param_size < w->end - off)
            w->end = off + param_size;
    }
    if (off <= w->end)
        redact_params(w, off, layout, f->encrypt, f->sym_alg);
}

size_t tpm_wire_redact(uint8_t *cmd, size_t cmd_len, uint8_t *resp, size_t resp_len)
{
    cmd_facts f = { .sym_alg = TPM2_ALG_NULL };
    wire c = { .b = cmd, .end = cmd_len };
    if (cmd)
        redact_command(&c, &f);
    wire r = { .b = resp, .end = resp_len };
    if (resp && cmd)
        redact_response(&r, &f);
    return c.redacted + r.redacted;
}
