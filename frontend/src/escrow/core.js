// CryptoShop escrow key wallet — the pure part (no DOM), shared by the browser bundle
// (dom.js → cryptoshop/static/build/escrow-wallet.js) and the Node cross-implementation
// tests (tests/btc/js/*.mjs).
//
// The buyer's or seller's escrow key lives only in their browser: a BIP39 phrase, kept
// encrypted under a password in localStorage. The shop receives the BIP48 account xpub
// (with its key origin) to build wsh(sortedmulti(2, buyer, seller, marketplace)) and,
// optionally, the *encrypted* blob as a backup. It never sees the phrase or the password.
//
// Only crypto.getRandomValues is used from the platform: crypto.subtle is missing in
// non-secure contexts (plain-http .onion mirrors), so the KDF and the AEAD are pure JS.
import { HDKey } from "@scure/bip32";
import * as bip39 from "@scure/bip39";
import { wordlist as english } from "@scure/bip39/wordlists/english.js";
import { Address, OutScript, Script, SigHash, Transaction } from "@scure/btc-signer";
import { base64, hex } from "@scure/base";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { randomBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";

const HARDENED = 0x80000000;

// Core's chain names plus the aliases cryptoshop/btc/networks.py accepts.
const ALIASES = {
  main: "main", mainnet: "main", bitcoin: "main",
  test: "test", testnet: "test", testnet3: "test", testnet4: "test",
  signet: "signet", regtest: "regtest", simnet: "regtest",
};
const MAIN = { bech32: "bc", pubKeyHash: 0x00, scriptHash: 0x05, wif: 0x80,
  xpub: 0x0488b21e, xprv: 0x0488ade4, coin: 0 };
const TEST = { bech32: "tb", pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef,
  xpub: 0x043587cf, xprv: 0x04358394, coin: 1 };
const PARAMS = { main: MAIN, test: TEST, signet: TEST, regtest: { ...TEST, bech32: "bcrt" } };

function net(network) {
  const name = ALIASES[String(network || "").trim().toLowerCase()];
  if (!name) throw new Error(`unknown network "${network}" (main, test, signet, regtest)`);
  return PARAMS[name];
}

// BIP48 multisig account, script type 2 (native segwit P2WSH): m/48'/coin'/0'/2'.
function accountPath(params) {
  return [48, params.coin, 0, 2].map((i) => i + HARDENED);
}

function pathText(path) {
  return path.map((i) => (i >= HARDENED ? `${i - HARDENED}h` : String(i))).join("/");
}

function fingerprintHex(fp) {
  return (fp >>> 0).toString(16).padStart(8, "0");
}

// Wallets differ in case and spacing; BIP39 itself only knows single-spaced lowercase.
function normalizeMnemonic(words) {
  if (typeof words !== "string") throw new Error("a recovery phrase is text");
  return words.normalize("NFKD").trim().toLowerCase().split(/\s+/).join(" ");
}

export function generateMnemonic() {
  // 128 bits from crypto.getRandomValues (inside @noble/hashes' randomBytes): 12 words.
  return bip39.generateMnemonic(english, 128);
}

export function validateMnemonic(words) {
  try {
    return bip39.validateMnemonic(normalizeMnemonic(words), english);
  } catch {
    return false;
  }
}

function rootKey(mnemonic, params) {
  const phrase = normalizeMnemonic(mnemonic);
  if (!bip39.validateMnemonic(phrase, english)) {
    throw new Error("not a valid recovery phrase (a word or the checksum is wrong)");
  }
  // Empty BIP39 passphrase: the encrypted phrase is the whole secret.
  const seed = bip39.mnemonicToSeedSync(phrase, "");
  return HDKey.fromMasterSeed(seed, { private: params.xprv, public: params.xpub });
}

function deriveIndexes(key, path) {
  let k = key;
  for (const i of path) k = k.deriveChild(i);
  return k;
}

export function accountFromMnemonic(mnemonic, network) {
  const params = net(network);
  const root = rootKey(mnemonic, params);
  const path = accountPath(params);
  const xpub = deriveIndexes(root, path).publicExtendedKey;
  const fingerprint = fingerprintHex(root.fingerprint);
  const origin = `${fingerprint}/${pathText(path)}`;
  return { fingerprint, path: pathText(path), xpub, expression: `[${origin}]${xpub}` };
}

// --- the encrypted phrase ------------------------------------------------------------
// scrypt N=2^15 r=8 p=1 (32 MiB, well under 2 s in a browser) and XChaCha20-Poly1305
// with a random 24-byte nonce. The header (version, KDF parameters, expression) is the
// AEAD's associated data, so a stored blob whose expression was swapped does not open.
const KDF = { N: 2 ** 15, r: 8, p: 1 };
const CIPHER = "xchacha20poly1305";

function aad(blob) {
  return utf8ToBytes(JSON.stringify(
    ["cryptoshop-escrow", blob.v, blob.kdf, blob.N, blob.r, blob.p, blob.cipher,
      blob.expression || ""]));
}

function kdfKey(password, salt, { N, r, p }) {
  if (typeof password !== "string" || !password) throw new Error("a password is needed");
  // The same password typed on another keyboard/OS may arrive in another Unicode form.
  return scryptAsync(utf8ToBytes(password.normalize("NFKC")), salt, { N, r, p, dkLen: 32 });
}

/** Encrypt `mnemonic` under `password`. Async (scrypt yields so the page stays live).
 * `meta.expression` (the account key expression) is stored in clear beside it. */
export async function encryptPhrase(mnemonic, password, meta = {}) {
  const phrase = normalizeMnemonic(mnemonic);
  if (!bip39.validateMnemonic(phrase, english)) throw new Error("not a valid recovery phrase");
  const salt = randomBytes(16);
  const nonce = randomBytes(24);
  const blob = { v: 1, kdf: "scrypt", ...KDF, cipher: CIPHER, salt: base64.encode(salt),
    nonce: base64.encode(nonce), ct: "", expression: meta.expression || "" };
  const key = await kdfKey(password, salt, KDF);
  blob.ct = base64.encode(xchacha20poly1305(key, nonce, aad(blob)).encrypt(utf8ToBytes(phrase)));
  key.fill(0);
  return blob;
}

/** The mnemonic inside `blob` (object or its JSON); Error("wrong password") if it does
 * not authenticate. */
export async function decryptPhrase(blob, password) {
  const b = typeof blob === "string" ? JSON.parse(blob) : blob;
  if (!b || b.v !== 1 || b.kdf !== "scrypt" || b.cipher !== CIPHER) {
    throw new Error("unknown escrow key backup format");
  }
  // Bound the work a tampered blob can ask of the browser (N=2^20 is already 1 GiB).
  if (!Number.isInteger(b.N) || b.N < 2 ** 14 || b.N > 2 ** 18 || (b.N & (b.N - 1)) !== 0 ||
      !Number.isInteger(b.r) || b.r < 1 || b.r > 16 || !Number.isInteger(b.p) || b.p !== 1) {
    throw new Error("escrow key backup has unsupported key-derivation parameters");
  }
  const salt = base64.decode(b.salt);
  const nonce = base64.decode(b.nonce);
  const ct = base64.decode(b.ct);
  const key = await kdfKey(password, salt, b);
  let plain;
  try {
    plain = xchacha20poly1305(key, nonce, aad(b)).decrypt(ct);
  } catch {
    throw new Error("wrong password");
  } finally {
    key.fill(0);
  }
  return new TextDecoder().decode(plain);
}

// --- PSBT ------------------------------------------------------------------------------

function parsePsbt(psbtBase64) {
  if (typeof psbtBase64 !== "string") throw new Error("a PSBT is base64 text");
  try {
    // Outputs may be any script (OP_RETURN…): we show and compare them, never guess.
    return Transaction.fromPSBT(base64.decode(psbtBase64.replace(/\s+/g, "")),
      { allowUnknownOutputs: true });
  } catch (e) {
    throw new Error(`not a valid PSBT: ${e.message}`);
  }
}

function satNumber(v) {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || BigInt(n) !== BigInt(v)) throw new Error("amount out of range");
  return n;
}

function outputAddress(script, params) {
  try {
    return Address(params).encode(OutScript.decode(script));
  } catch {
    return null; // not an address (e.g. OP_RETURN); shown as script hex instead
  }
}

// Input amounts come from witness_utxo, which is what a segwit v0 signature commits to;
// a full previous transaction, when present, must agree with it (the segwit fee attack).
function inputAmounts(tx) {
  const out = [];
  for (let i = 0; i < tx.inputsLength; i++) {
    const inp = tx.getInput(i);
    if (!inp.witnessUtxo) throw new Error(`input ${i} has no witness_utxo; its amount is unknown`);
    if (inp.nonWitnessUtxo) {
      const prev = inp.nonWitnessUtxo.outputs[inp.index];
      if (!prev || prev.amount !== inp.witnessUtxo.amount ||
          hex.encode(prev.script) !== hex.encode(inp.witnessUtxo.script)) {
        throw new Error(`input ${i}: witness_utxo disagrees with the previous transaction`);
      }
    }
    out.push(inp.witnessUtxo.amount);
  }
  return out;
}

function describeTx(tx, params) {
  const amounts = inputAmounts(tx);
  const inputs = amounts.map((amount, i) => {
    const inp = tx.getInput(i);
    return { txid: hex.encode(inp.txid), vout: inp.index, valueSat: satNumber(amount) };
  });
  const outputs = [];
  let totalOut = 0n;
  for (let i = 0; i < tx.outputsLength; i++) {
    const o = tx.getOutput(i);
    totalOut += o.amount;
    const address = outputAddress(o.script, params);
    outputs.push(address ? { address, valueSat: satNumber(o.amount) }
      : { address: null, script: hex.encode(o.script), valueSat: satNumber(o.amount) });
  }
  const fee = amounts.reduce((a, b) => a + b, 0n) - totalOut;
  if (fee < 0n) throw new Error("the PSBT pays out more than it spends");
  return { inputs, outputs, feeSat: satNumber(fee) };
}

/** What the PSBT spends and pays: `{inputs:[{txid,vout,valueSat}],
 * outputs:[{address,valueSat}], feeSat}` (sats as Numbers; all bitcoin amounts fit). */
export function describePsbt(psbtBase64, network) {
  return describeTx(parsePsbt(psbtBase64), net(network));
}

/** Master fingerprints (8 hex) named by the PSBT's BIP32 derivations: lets the page pick,
 * before asking for a password, which stored key belongs to this escrow. */
export function psbtFingerprints(psbtBase64) {
  const tx = parsePsbt(psbtBase64);
  const out = new Set();
  for (let i = 0; i < tx.inputsLength; i++) {
    for (const [, der] of tx.getInput(i).bip32Derivation || []) out.add(fingerprintHex(der.fingerprint));
  }
  return [...out];
}

function checkExpected(tx, expected, params, summary) {
  const want = expected.outputs;
  if (!Array.isArray(want)) throw new Error("expected outputs missing");
  if (tx.outputsLength !== want.length) {
    throw new Error(`the transaction has ${tx.outputsLength} outputs, expected ${want.length}`);
  }
  want.forEach((w, i) => {
    let script;
    try {
      script = OutScript.encode(Address(params).decode(String(w.address)));
    } catch {
      throw new Error(`expected output ${i} has an invalid address for this network`);
    }
    const o = tx.getOutput(i);
    if (hex.encode(o.script) !== hex.encode(script)) {
      throw new Error(`output ${i} pays ${summary.outputs[i].address || "a script"}, ` +
        `expected ${w.address}`);
    }
    if (o.amount !== BigInt(w.valueSat)) {
      throw new Error(`output ${i} pays ${o.amount} sat, expected ${w.valueSat} sat`);
    }
  });
  if (BigInt(summary.feeSat) !== BigInt(expected.feeSat)) {
    throw new Error(`the fee is ${summary.feeSat} sat, expected ${expected.feeSat} sat`);
  }
}

// OP_2 <33-byte key>×3 OP_3 OP_CHECKMULTISIG with the keys in sorted order: exactly what
// wsh(sortedmulti(2, …3 keys)) produces. Returns the keys as hex, or null.
function sortedMultisigKeys(witnessScript) {
  let ops;
  try {
    ops = Script.decode(witnessScript);
  } catch {
    return null;
  }
  if (ops.length !== 6 || ops[0] !== 2 || ops[4] !== 3 || ops[5] !== "CHECKMULTISIG") return null;
  const keys = ops.slice(1, 4);
  if (!keys.every((k) => k instanceof Uint8Array && k.length === 33)) return null;
  const hexes = keys.map((k) => hex.encode(k));
  return hexes.every((h, i) => i === 0 || hexes[i - 1] < h) ? hexes : null;
}

function isP2wshOf(script, witnessScript) {
  return script.length === 34 && script[0] === 0x00 && script[1] === 0x20 &&
    hex.encode(script.subarray(2)) === hex.encode(sha256(witnessScript));
}

function startsWith(path, prefix) {
  return path.length > prefix.length && prefix.every((v, i) => path[i] === v);
}

/** Sign every input of an escrow PSBT with the key of `mnemonic` (SIGHASH_ALL only) and
 * return the PSBT with our partial signatures added. Throws, signing nothing, when the
 * PSBT differs from `expected` ({outputs:[{address,valueSat}], feeSat}), asks for another
 * sighash, is not a 2-of-3 sortedmulti P2WSH spend, or our key is not a participant. */
export function signPsbt(psbtBase64, mnemonic, network, expected) {
  const params = net(network);
  const tx = parsePsbt(psbtBase64);
  const summary = describeTx(tx, params);
  if (expected) checkExpected(tx, expected, params, summary);

  const root = rootKey(mnemonic, params);
  const account = accountPath(params);
  // First decide, for every input, which key signs it; sign only when all inputs pass.
  const plan = [];
  for (let i = 0; i < tx.inputsLength; i++) {
    const inp = tx.getInput(i);
    if (inp.sighashType !== undefined && inp.sighashType !== SigHash.ALL) {
      throw new Error(`input ${i} asks for a signature type other than SIGHASH_ALL; refusing`);
    }
    if (inp.finalScriptWitness || inp.finalScriptSig) {
      throw new Error(`input ${i} is already finalised`);
    }
    const keys = inp.witnessScript && sortedMultisigKeys(inp.witnessScript);
    if (!keys || !isP2wshOf(inp.witnessUtxo.script, inp.witnessScript)) {
      throw new Error(`input ${i} is not a 2-of-3 escrow (P2WSH sortedmulti) output`);
    }
    let child = null;
    for (const [pubKey, der] of inp.bip32Derivation || []) {
      if ((der.fingerprint >>> 0) !== (root.fingerprint >>> 0)) continue;
      // Only keys under our escrow account: the phrase is never used for anything else.
      if (!startsWith(der.path, account)) continue;
      const k = deriveIndexes(root, der.path);
      if (hex.encode(k.publicKey) !== hex.encode(pubKey)) {
        throw new Error(`input ${i}: the key recorded for this phrase does not match it`);
      }
      if (keys.includes(hex.encode(pubKey))) child = k;
    }
    plan.push(child);
  }
  if (plan.every((k) => k === null)) throw new Error("this phrase is not one of this escrow's keys");
  const missing = plan.findIndex((k) => k === null);
  if (missing >= 0) {
    throw new Error(`input ${missing} is not locked by this phrase's escrow key; refusing`);
  }

  plan.forEach((child, i) => {
    // btc-signer computes the BIP143 digest over witnessScript and the witness_utxo
    // amount, signs low-S DER and appends the sighash byte; it refuses any other sighash.
    tx.signIdx(child.privateKey, i, [SigHash.ALL]);
    const added = (tx.getInput(i).partialSig || [])
      .some(([pub]) => hex.encode(pub) === hex.encode(child.publicKey));
    if (!added) throw new Error(`input ${i}: no signature was added`);
  });
  return base64.encode(tx.toPSBT(0));
}
