// Test driver for frontend/src/escrow/core.js, run by tests/btc/test_escrow_js.py.
// Reads one JSON request {op, ...} on stdin and prints one JSON line on stdout:
// {"ok": true, "result": …} or {"ok": false, "error": "<message>"}.
import * as core from "../../../frontend/src/escrow/core.js";

const ops = {
  generate: () => {
    const mnemonic = core.generateMnemonic();
    return { mnemonic, valid: core.validateMnemonic(mnemonic) };
  },
  validate: ({ mnemonic }) => core.validateMnemonic(mnemonic),
  account: ({ mnemonic, network }) => core.accountFromMnemonic(mnemonic, network),
  encrypt: ({ mnemonic, password, meta }) => core.encryptPhrase(mnemonic, password, meta),
  decrypt: ({ blob, password }) => core.decryptPhrase(blob, password),
  describe: ({ psbt, network }) => core.describePsbt(psbt, network),
  sign: ({ psbt, mnemonic, network, expected }) =>
    core.signPsbt(psbt, mnemonic, network, expected),
};

let input = "";
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
try {
  const op = ops[request.op];
  if (!op) throw new Error(`unknown op ${request.op}`);
  const result = await op(request);
  process.stdout.write(JSON.stringify({ ok: true, result }) + "\n");
} catch (e) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(e && e.message) }) + "\n");
}
