#!/usr/bin/env python3
"""How Anvil's instant mining (one block per transaction) slows as blocks accumulate, without
PatientTwin: 4 rounds of 500 storage writes to a 7-byte contract, each sent with eth_sendTransaction
and mined at once, then the same with --block-time 1 (interval mining). docs/benchmarks.md quotes it.

Usage: python3 src/bench/anvil-automine.py   (after ./mvnw generate-sources has installed Anvil)
"""
import json
import subprocess
import time
import urllib.request

ANVIL = "consent-contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
PORT = 8598
SENDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # Anvil's first development account
# runtime: PUSH1 1, PUSH1 0, CALLDATALOAD, SSTORE, STOP  (storage[calldata] = 1)
INIT = "0x6007600c60003960076000f3" + "60016000355500"


def rpc(method, params):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}", body, {"content-type": "application/json"})
    return json.loads(urllib.request.urlopen(request).read())["result"]


def run(options):
    anvil = subprocess.Popen([ANVIL, "--port", str(PORT), "--chain-id", "1337", "--hardfork", "london", *options],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(2)
        tx = rpc("eth_sendTransaction", [{"from": SENDER, "data": INIT}])
        while (receipt := rpc("eth_getTransactionReceipt", [tx])) is None:
            time.sleep(0.2)
        contract = receipt["contractAddress"]
        for round_ in range(4):
            start = time.time()
            for i in range(500):
                key = round_ * 500 + i + 1
                rpc("eth_sendTransaction", [{"from": SENDER, "to": contract, "data": "0x%064x" % key}])
            elapsed = time.time() - start
            head = int(rpc("eth_blockNumber", []), 16)
            print(f"anvil {' '.join(options) or '(instant mining)'}: round {round_}: 500 transactions in "
                  f"{elapsed:.2f} s ({500 / elapsed:.0f}/s), head block {head}")
    finally:
        anvil.terminate()
        anvil.wait()


run([])
run(["--block-time", "1"])
