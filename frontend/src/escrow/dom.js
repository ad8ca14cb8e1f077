// CryptoShop escrow key wallet — page glue. Bundled by frontend/build.mjs into
// cryptoshop/static/build/escrow-wallet.js and loaded only by the escrow pages:
//   <script src="{% static 'build/escrow-wallet.js' %}" defer></script>
// Progressive enhancement: every page works without it (the [data-escrow-nojs] fallback
// is shown instead). CSP is script-src 'self': no inline scripts, handlers or eval here.
// The phrase and the password never leave the browser; the server gets the account key
// expression and, as a backup, the password-encrypted blob (see core.js).
//
// DOM contract
// ============
// Both sections: JS un-hides `[data-escrow-js]` (rendered with `hidden`) and hides every
// `[data-escrow-nojs]` inside the section. Errors go to the section's `[data-error]`
// (given role="alert"; hidden while empty).
//
// 1. Key creation / import
//   <section data-escrow-keygen data-network="regtest"
//            data-storage-key="cryptoshop.escrow.u_abc">
//     <div data-escrow-nojs>…paste an xpub instead…</div>
//     <div data-escrow-js hidden>
//       <input type="password" name="escrow_password">            (≥ 8 characters)
//       <input type="password" name="escrow_password_confirm">
//       <button type="button" data-action="generate">
//       <ol data-phrase hidden></ol>                 (JS writes the 12 words as <li>s)
//       <input type="checkbox" data-confirm-saved>  ("I have written the words down")
//       <!-- optional import variant: -->
//       <textarea name="import_phrase"></textarea>
//       <button type="button" data-action="import">
//       <p data-error hidden></p>
//       <form method="post" data-escrow-register> {% csrf_token %}
//         <input type="hidden" name="key"> <input type="hidden" name="backup">
//         <input type="hidden" name="kind"> <button type="submit">
//       </form>
//     </div>
//   </section>
//   Generate/import: checks the password (≥ 8 characters, confirmation equal), derives
//   the account, encrypts the phrase, stores the blob JSON in localStorage under
//   data-storage-key (a different key already there is kept under
//   "<storage-key>.previous.<fingerprint>", never lost), and fills the form: key = the
//   "[fingerprint/48h/1h/0h/2h]tpub…" expression, backup = JSON of the blob,
//   kind = "browser". The submit button is enabled once a key is ready and, for a
//   generated phrase, the saved checkbox is ticked (an imported phrase is already saved).
//
// 2. Signing
//   <section data-escrow-sign data-network="regtest"
//            data-storage-key="cryptoshop.escrow.u_abc" data-psbt="<base64>"
//            data-expected='{"outputs":[{"address":"bcrt1…","valueSat":123}],"feeSat":456}'
//            data-backup='<optional: the server-stored blob JSON>'>
//     <div data-escrow-nojs>…sign with your own wallet and upload the PSBT…</div>
//     <div data-escrow-js hidden>
//       <div data-summary></div>       (JS lists each output's address and sats, and the fee)
//       <input type="password" name="escrow_password">
//       <button type="button" data-action="sign">
//       <p data-error hidden></p>
//       <form method="post" data-escrow-signed> {% csrf_token %}
//         <textarea name="psbt" hidden></textarea> <button type="submit">
//       </form>
//     </div>
//   </section>
//   Sign: picks the stored key whose fingerprint the PSBT names (localStorage first, then
//   data-backup), decrypts it ("Wrong escrow password." on failure), signs with
//   data-expected as the only acceptable outputs and fee, writes the signed PSBT into the
//   textarea and submits the form. The button reads "Signing…" and is disabled meanwhile.
//
// window.CryptoShopEscrow exposes core.js's functions for other scripts and debugging.
import * as core from "./core.js";

window.CryptoShopEscrow = {
  generateMnemonic: core.generateMnemonic,
  validateMnemonic: core.validateMnemonic,
  accountFromMnemonic: core.accountFromMnemonic,
  encryptPhrase: core.encryptPhrase,
  decryptPhrase: core.decryptPhrase,
  describePsbt: core.describePsbt,
  signPsbt: core.signPsbt,
};

const MIN_PASSWORD = 8;

// --- small helpers ---------------------------------------------------------------------

function enhance(section) {
  const panel = section.querySelector("[data-escrow-js]");
  if (!panel) return null;
  section.querySelectorAll("[data-escrow-nojs]").forEach((el) => { el.hidden = true; });
  panel.hidden = false;
  return panel;
}

function errorBox(section) {
  const box = section.querySelector("[data-error]");
  if (box) box.setAttribute("role", "alert");
  return (message) => {
    if (!box) return;
    box.textContent = message || "";
    box.hidden = !message;
  };
}

function submitButton(form) {
  return form && form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
}

// While scrypt runs the button says so and cannot be pressed twice.
async function busy(button, label, work) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = before;
  }
}

function setField(form, name, value) {
  const field = form && form.querySelector(`[name=${name}]`);
  if (field) field.value = value;
}

function formatSats(n) {
  // U+202F NARROW NO-BREAK SPACE: a thin thousands separator that never wraps a number.
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f") + "\u202fsat";
}

function parseBlob(text) {
  if (!text) return null;
  try {
    const blob = JSON.parse(text);
    return blob && blob.v === 1 && typeof blob.ct === "string" ? blob : null;
  } catch {
    return null;
  }
}

function blobFingerprint(blob) {
  const m = /^\[([0-9a-f]{8})[/\]]/.exec(blob.expression || "");
  return m ? m[1] : "";
}

function storage() {
  try {
    return window.localStorage; // throws when storage is disabled
  } catch {
    return null;
  }
}

// Returns false when the browser would not store it (the server's backup still works).
function storeBlob(key, blob) {
  const ls = storage();
  if (!ls) return false;
  try {
    const old = parseBlob(ls.getItem(key));
    if (old && old.expression !== blob.expression) {
      // Never drop a key that may lock funds of an earlier order.
      ls.setItem(`${key}.previous.${blobFingerprint(old) || Date.now()}`, JSON.stringify(old));
    }
    ls.setItem(key, JSON.stringify(blob));
    return true;
  } catch {
    return false;
  }
}

function storedBlobs(key) {
  const ls = storage();
  const out = [];
  if (!ls) return out;
  try {
    out.push(parseBlob(ls.getItem(key)));
    for (let i = 0; i < ls.length; i++) {
      const name = ls.key(i);
      if (name && name.startsWith(`${key}.previous.`)) out.push(parseBlob(ls.getItem(name)));
    }
  } catch {
    // unreadable storage: fall back to the server's backup
  }
  return out.filter(Boolean);
}

// --- 1. key creation / import ------------------------------------------------------------

function initKeygen(section) {
  if (!enhance(section)) return;
  const showError = errorBox(section);
  const network = section.dataset.network;
  const storageKey = section.dataset.storageKey;
  const pw = section.querySelector("input[name=escrow_password]");
  const pw2 = section.querySelector("input[name=escrow_password_confirm]");
  const phraseBox = section.querySelector("[data-phrase]");
  const saved = section.querySelector("input[type=checkbox][data-confirm-saved]");
  const form = section.querySelector("form[data-escrow-register]");
  const submit = submitButton(form);
  const importText = section.querySelector("textarea[name=import_phrase]");
  const state = { ready: false, needsSaved: true };

  const canSubmit = () => state.ready && (!state.needsSaved || !saved || saved.checked);
  const update = () => { if (submit) submit.disabled = !canSubmit(); };
  update();
  if (saved) saved.addEventListener("change", update);
  // Enter in a field could submit the form before a key exists: refuse that too.
  if (form) form.addEventListener("submit", (e) => { if (!canSubmit()) e.preventDefault(); });

  function checkPassword() {
    const value = pw ? pw.value : "";
    if ([...value].length < MIN_PASSWORD) {
      return `Choose an escrow password of at least ${MIN_PASSWORD} characters.`;
    }
    if (!pw2 || pw2.value !== value) return "The two passwords differ.";
    return "";
  }

  async function useMnemonic(mnemonic, generated) {
    const account = core.accountFromMnemonic(mnemonic, network);
    const blob = await core.encryptPhrase(mnemonic, pw.value, { expression: account.expression });
    if (!storeBlob(storageKey, blob)) {
      showError("This browser would not keep the key; signing will use the encrypted " +
        "backup stored with your account.");
    }
    setField(form, "key", account.expression);
    setField(form, "backup", JSON.stringify(blob));
    setField(form, "kind", "browser");
    if (generated && phraseBox) {
      const list = phraseBox.tagName === "OL" ? phraseBox : document.createElement("ol");
      list.replaceChildren(...mnemonic.split(" ").map((word) => {
        const li = document.createElement("li");
        li.textContent = word;
        return li;
      }));
      if (list !== phraseBox) phraseBox.replaceChildren(list);
      phraseBox.hidden = false;
    }
    pw.value = "";
    pw2.value = "";
    state.ready = true;
    state.needsSaved = generated;
    if (saved) saved.checked = false;
    update();
  }

  function bind(action, label, getMnemonic, generated) {
    const button = section.querySelector(`button[data-action=${action}]`);
    if (!button) return;
    button.addEventListener("click", async () => {
      showError("");
      const problem = checkPassword();
      if (problem) return showError(problem);
      const mnemonic = getMnemonic();
      if (!mnemonic) return;
      try {
        await busy(button, label, () => useMnemonic(mnemonic, generated));
        // One phrase per page view: a second click must not silently replace the words
        // the user is writing down.
        if (generated) button.disabled = true;
      } catch (e) {
        showError(e.message || String(e));
      }
    });
  }

  bind("generate", "Creating…", () => core.generateMnemonic(), true);
  if (importText) {
    bind("import", "Importing…", () => {
      const words = importText.value.trim().toLowerCase().split(/\s+/).join(" ");
      if (!core.validateMnemonic(words)) {
        showError("That is not a valid 12–24 word recovery phrase (check each word).");
        return "";
      }
      importText.value = "";
      return words;
    }, false);
  }
}

// --- 2. signing ------------------------------------------------------------------------------

function renderSummary(box, summary) {
  const list = document.createElement("ul");
  for (const out of summary.outputs) {
    const li = document.createElement("li");
    const where = document.createElement("code");
    where.textContent = out.address || `script ${out.script}`;
    li.append(where, document.createTextNode(` — ${formatSats(out.valueSat)}`));
    list.append(li);
  }
  const fee = document.createElement("li");
  fee.textContent = `Network fee — ${formatSats(summary.feeSat)}`;
  list.append(fee);
  box.replaceChildren(list);
}

function matchesExpected(summary, expected) {
  if (!expected) return true;
  const want = expected.outputs || [];
  return summary.feeSat === expected.feeSat && summary.outputs.length === want.length &&
    summary.outputs.every((o, i) => o.valueSat === want[i].valueSat &&
      String(o.address).toLowerCase() === String(want[i].address).toLowerCase());
}

function initSign(section) {
  if (!enhance(section)) return;
  const showError = errorBox(section);
  const { network, storageKey, psbt } = section.dataset;
  const pw = section.querySelector("input[name=escrow_password]");
  const button = section.querySelector("button[data-action=sign]");
  const form = section.querySelector("form[data-escrow-signed]");
  const output = form && form.querySelector("textarea[name=psbt]");
  const summaryBox = section.querySelector("[data-summary]");
  if (!button || !output) return;

  let expected = null;
  let fingerprints = [];
  try {
    if (section.dataset.expected) expected = JSON.parse(section.dataset.expected);
    const summary = core.describePsbt(psbt, network);
    if (summaryBox) renderSummary(summaryBox, summary);
    fingerprints = core.psbtFingerprints(psbt);
    if (!matchesExpected(summary, expected)) {
      throw new Error("This transaction is not the one described by the shop. Do not sign it.");
    }
  } catch (e) {
    showError(e.message || String(e));
    button.disabled = true;
    return;
  }

  // The key this escrow names, wherever it is; else whatever we have (signPsbt will then
  // say that the phrase is not one of this escrow's keys).
  function pickBlob() {
    const candidates = [...storedBlobs(storageKey), parseBlob(section.dataset.backup)]
      .filter(Boolean);
    return candidates.find((b) => fingerprints.includes(blobFingerprint(b))) || candidates[0];
  }

  button.addEventListener("click", async () => {
    showError("");
    if (!pw || !pw.value) return showError("Enter your escrow password.");
    const blob = pickBlob();
    if (!blob) {
      return showError("No escrow key is stored in this browser or with your account. " +
        "Sign with the wallet that holds your phrase and upload the PSBT instead.");
    }
    try {
      await busy(button, "Signing…", async () => {
        let mnemonic;
        try {
          mnemonic = await core.decryptPhrase(blob, pw.value);
        } catch (e) {
          throw new Error(e.message === "wrong password" ? "Wrong escrow password." : e.message);
        }
        output.value = core.signPsbt(psbt, mnemonic, network, expected);
        pw.value = "";
      });
      button.disabled = true; // signed: the form is on its way, no second signature
      if (form.requestSubmit) form.requestSubmit();
      else form.submit();
    } catch (e) {
      showError(e.message || String(e));
    }
  });
}

function init() {
  document.querySelectorAll("[data-escrow-keygen]").forEach(initKeygen);
  document.querySelectorAll("[data-escrow-sign]").forEach(initSign);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
else init();
