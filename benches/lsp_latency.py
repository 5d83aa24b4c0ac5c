#!/usr/bin/env python3
"""Per-keystroke latency of `dlg lsp` on a 2,000-line script: the time from
sending a `didChange` (one character typed) to receiving its
`publishDiagnostics`, the parse, analysis and checks included.

    python3 benches/lsp_latency.py target/release/dlg
"""
import json, subprocess, sys, time, os, tempfile

BLOCK = ("// Fetch the lead and fill in the deal.\n"
         "lead = zoho.crm.getRecordById(\"Leads\", id);\n"
         "if (lead.get(\"Email\") != null && lead.get(\"Email\").contains(\"@\"))\n{\n"
         "\tdeal = Map();\n"
         "\tdeal.put(\"Deal_Name\", lead.get(\"Company\") + \" - \" + today.toString(\"dd-MMM-yyyy\"));\n"
         "\tdeal.put(\"Amount\", ifnull(lead.get(\"Annual_Revenue\"), 0) * 0.1);\n"
         "\titems = List();\n"
         "\tfor each  p in lead.get(\"Products\").toList()\n\t{\n"
         "\t\titems.add({\"name\":p,\"qty\":1});\n\t}\n"
         "\tdeal.put(\"Items\", items);\n"
         "\tresp = zoho.crm.createRecord(\"Deals\", deal);\n"
         "\tinfo resp;\n}\nelse\n{\n\tinfo \"no email for \" + id;\n}\n")
TEXT = BLOCK * 100


def send(p, msg):
    body = json.dumps(dict(msg, jsonrpc="2.0")).encode()
    p.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
    p.stdin.flush()


def read(p):
    length = None
    while True:
        line = p.stdout.readline()
        if not line:
            raise SystemExit("dlg lsp ended")
        line = line.strip()
        if not line:
            break
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    return json.loads(p.stdout.read(length))


def wait_for(p, method):
    while True:
        m = read(p)
        if m.get("method") == method:
            return m


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else "dlg"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    tmp = tempfile.mkdtemp()
    path = os.path.join(tmp, "long.dg")
    with open(path, "w") as f:
        f.write(TEXT)
    uri = "file://" + path
    p = subprocess.Popen([exe, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    send(p, {"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": "file://" + tmp}})
    read(p)
    send(p, {"method": "initialized", "params": {}})
    send(p, {"method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "deluge", "version": 1, "text": TEXT}}})
    wait_for(p, "textDocument/publishDiagnostics")
    lines = TEXT.count("\n")
    for label, edits in [
        ("typing at the end (the text has an error)", ["m", "."]),
        ("typing inside a string (the text stays valid)", ["x"]),
    ]:
        times = []
        version = 1
        for r in range(rounds):
            for ch in edits:
                version += 1
                if label.startswith("typing at the end"):
                    pos = {"line": lines, "character": edits.index(ch)}
                else:
                    pos = {"line": 1, "character": 32}
                start = time.perf_counter()
                send(p, {"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": {"start": pos, "end": pos}, "text": ch}]}})
                wait_for(p, "textDocument/publishDiagnostics")
                times.append((time.perf_counter() - start) * 1000)
            # Undo the edits, unmeasured.
            version += 1
            end = {"line": pos["line"], "character": pos["character"] + 1}
            start_pos = {"line": pos["line"], "character": pos["character"] + 1 - len(edits)}
            send(p, {"method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"range": {"start": start_pos, "end": end}, "text": ""}]}})
            wait_for(p, "textDocument/publishDiagnostics")
        times.sort()
        print(f"{lines} lines, {label}: median {times[len(times)//2]:.1f} ms, max {times[-1]:.1f} ms ({len(times)} keystrokes)")
    send(p, {"id": 2, "method": "shutdown"})
    send(p, {"method": "exit"})
    p.wait(timeout=30)


if __name__ == "__main__":
    main()
