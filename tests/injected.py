"""What a fault rule `every: N` must have done, read from a scenario's results.

The proxy counts every command it gets, from every client, in the order it
gets them (engine/run/proxy.c, pick_fault); the proxy's own commands
(`"proxy": true`: flushing what a client left) are not counted.  So, per
TPM, the records of connecting, of each step and of cleaning up, in that
order, are the proxy's whole sequence: the Nth, 2Nth ... counted command
got the warning and no other did, and each client sent each warned command
again as its next command."""


def records_per_tpm(res):
    """{tpm name: [command records in the order the proxy got them]}."""
    tpms = res.get("tpms")
    if not tpms:
        return {"": res.get("connect_commands", []) + [c for s in res["steps"] for c in s.get("tpm_commands", [])]
                + res["cleanup"].get("tpm_commands", [])}
    return {name: t.get("connect_commands", [])
            + [c for s in res["steps"] if s.get("tpm") == name for c in s.get("tpm_commands", [])]
            + t["cleanup"].get("tpm_commands", [])
            for name, t in tpms.items()}


def check_every(res, every, code):
    """Asserts the pattern of a `warning, every: N` rule; returns how many were injected."""
    injected = 0
    for tpm, records in records_per_tpm(res).items():
        counted = [c for c in records if not c.get("proxy")]
        assert len(counted) >= every, (res["scenario"], tpm, "too few commands to see the pattern")
        for k, c in enumerate(counted, 1):
            warned = k % every == 0
            where = (res["scenario"], tpm, k, c["client"], c["command"])
            assert bool(c.get("fault")) == warned, where
            if warned:
                assert c["rc"] == code and c["response_bytes"] == 10 and c["tpm_ms"] == 0, where
                injected += 1
        assert not any(c.get("fault") for c in records if c.get("proxy")), (res["scenario"], tpm)
        # per client (a program is its name and pid): a warned command is its next command again
        by_client = {}
        for c in counted:
            by_client.setdefault((c["client"], c.get("pid")), []).append(c)
        for client, cs in by_client.items():
            for a, b in zip(cs, cs[1:]):
                if a.get("fault"):
                    assert (b["code"], b["command_bytes"], b.get("command_hex")) == \
                           (a["code"], a["command_bytes"], a.get("command_hex")), (res["scenario"], tpm, client)
            assert not cs[-1].get("fault"), (res["scenario"], tpm, client, "a warned command was not sent again")
    return injected
