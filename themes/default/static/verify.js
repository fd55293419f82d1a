// Checks Open Badges 3.0 credentials in the browser as `sitegen verify` does offline: the
// issuer's EdDSA signature of the VC-JWT, its key in the did:web document, the revocation
// bit and the dates. Award pages get a live verdict and a recipient check; the verify page
// checks dropped or pasted badges. No library: WebCrypto, DecompressionStream, DOMParser.
(() => {
  "use strict";

  const OB3_NS = "https://purl.imsglobal.org/ob/v3p0";
  const OB2_NS = "http://openbadges.org";
  const CLAIMS = ["iss", "jti", "nbf", "exp", "sub"];
  const MAX_INFLATED = 16 * 1024 * 1024; // the Python verifier's bound against gzip bombs
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const encoder = new TextEncoder();
  const $ = (id) => document.getElementById(id);

  // Every visible string comes translated from a script the page loads first
  // (templates/verify_messages.js, one file per language), with the site's time zone.
  const shared = window.sitegenVerify || {};
  const messages = shared.messages || {}; // without them, keys show instead
  const zone = shared.zone || undefined;
  const lang = document.documentElement.lang || undefined;
  const t = (key, params = {}) => String(messages[key] || key)
    .replace(/%\((\w+)\)s/g, (_, name) => String(params[name] ?? ""));

  // A failed check. "invalid" and "tampered" prove the badge untrustworthy; "unknown" only
  // means this browser could not tell (network, missing feature).
  class Failure extends Error {
    constructor(verdict, check, key, params = {}) {
      super(t(key, params));
      Object.assign(this, { verdict, check, field: params.field || "" });
    }
  }
  const invalid = (check, key, params) => new Failure("invalid", check, key, params);
  const unknown = (check, key, params) => new Failure("unknown", check, key, params);

  function newReport(state = "unknown") {
    return {
      state, checks: [], reason: "", field: "", credential: null, from: null, until: null,
      add(name, ok, detail) { this.checks.push({ name, ok, detail }); },
      fail(failure) {
        this.add(failure.check, false, failure.message);
        Object.assign(this, { state: failure.verdict, reason: failure.message, field: failure.field });
      },
    };
  }

  // ---- encodings ----

  function latin1(bytes) {
    let text = "";
    for (const byte of bytes) text += String.fromCharCode(byte);
    return text;
  }

  const base64url = (bytes) => btoa(latin1(bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

  // Strict, as RFC 7515 wants: one encoding per byte string, so a token has one reading.
  function unbase64url(text, check) {
    let bytes = null;
    if (/^[\w-]*$/.test(text) && text.length % 4 !== 1) {
      try {
        bytes = Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
      } catch { bytes = null; }
    }
    if (!bytes || base64url(bytes) !== text) throw invalid(check, "eBase64");
    return bytes;
  }

  function base58(text) {
    const bytes = [];
    for (const char of text) {
      let carry = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".indexOf(char);
      if (carry < 0) return null;
      for (let i = 0; i < bytes.length; i++, carry >>= 8) bytes[i] = (carry += bytes[i] * 58) & 255;
      for (; carry; carry >>= 8) bytes.push(carry & 255);
    }
    for (let i = 0; text[i] === "1"; i++) bytes.push(0);
    return Uint8Array.from(bytes.reverse());
  }

  // JSON.parse keeps the last of two same-named members; like the Python verifier, refuse
  // them (RFC 7515 section 5.2), so that every reader sees the same credential.
  function duplicateMember(text) {
    const stack = [];
    for (let i = 0; i < text.length; i++) {
      const char = text[i];
      const top = stack[stack.length - 1];
      if (char === "{") stack.push({ keys: new Set(), key: true });
      else if (char === "[") stack.push(null);
      else if (char === "}" || char === "]") stack.pop();
      else if (char === "," && top) top.key = true;
      else if (char === '"') {
        const start = i;
        for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
        if (top && top.key) {
          const key = JSON.parse(text.slice(start, i + 1));
          if (top.keys.has(key)) return key;
          top.keys.add(key);
          top.key = false;
        }
      }
    }
    return null;
  }

  function parseObject(data, check) {
    let text;
    let value;
    try {
      text = typeof data === "string" ? data : utf8.decode(data);
      value = JSON.parse(text);
    } catch { value = null; }
    if (!value || typeof value !== "object" || Array.isArray(value)) throw invalid(check, "eJson");
    const duplicate = duplicateMember(text);
    if (duplicate !== null) throw invalid(check, "eDuplicate", { name: duplicate });
    return value;
  }

  async function inflate(bytes, format) {
    const reader = new Blob([bytes]).stream().pipeThrough(new DecompressionStream(format)).getReader();
    const parts = [];
    for (let size = 0; ;) {
      const { done, value } = await reader.read();
      if (done) return new Uint8Array(await new Blob(parts).arrayBuffer());
      if ((size += value.length) > MAX_INFLATED) throw new RangeError("too large");
      parts.push(value);
    }
  }

  // ---- dates and fields ----

  function parseDate(value) {
    const ms = typeof value === "string" && /(Z|[+-]\d\d:\d\d)$/i.test(value) ? Date.parse(value) : NaN;
    return Number.isNaN(ms) ? null : ms;
  }

  function formatDate(ms) {
    if (ms === null || ms === undefined) return "?";
    let text;
    try {
      text = new Intl.DateTimeFormat(lang, { dateStyle: "long", timeZone: zone }).format(ms);
    } catch {
      text = new Intl.DateTimeFormat(lang, { dateStyle: "long" }).format(ms);
    }
    return /^fr\b/.test(lang || "") ? text.replace(/^1 /, "1er ") : text; // as the pages write it
  }

  function issuerId(doc) {
    const issuer = doc && doc.issuer;
    const id = issuer && typeof issuer === "object" ? issuer.id : issuer;
    return typeof id === "string" ? id : "";
  }

  const issuerName = (c) => (c.issuer && typeof c.issuer.name === "string" ? c.issuer.name : issuerId(c));

  function subjectOf(credential) {
    const subject = credential && credential.credentialSubject;
    return (Array.isArray(subject) ? subject[0] : subject) || {};
  }

  function recipientIdentity(credential) {
    const found = [].concat(subjectOf(credential).identifier || [])
      .find((i) => i && i.identityType === "emailAddress" && typeof i.identityHash === "string");
    return found ? { hash: found.identityHash, salt: String(found.salt || ""), hashed: found.hashed !== false } : null;
  }

  // The registered claims OB 3.0 derives from a credential (see sitegen/crypto/jwt.py).
  function expectedClaims(c) {
    const claims = {};
    const seconds = (value) => {
      const ms = parseDate(value);
      if (ms === null) throw invalid("cSignature", "eClaim", { claim: "nbf/exp" });
      return Math.floor(ms / 1000);
    };
    if (issuerId(c)) claims.iss = issuerId(c);
    if (typeof c.id === "string") claims.jti = c.id;
    if ("validFrom" in c) claims.nbf = seconds(c.validFrom);
    if ("validUntil" in c) claims.exp = seconds(c.validUntil);
    const subjects = c.credentialSubject;
    const subject = Array.isArray(subjects) && subjects.length === 1 ? subjects[0] : subjects;
    if (subject && typeof subject.id === "string") claims.sub = subject.id;
    return claims;
  }

  // The first place where two JSON values differ, as a path: credentialSubject.achievement.name
  function difference(a, b, path) {
    if (a === b) return null;
    if (!a || !b || typeof a !== "object" || typeof b !== "object" || Array.isArray(a) !== Array.isArray(b)) {
      return path || "/";
    }
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const found = difference(a[key], b[key], Array.isArray(a) ? `${path}[${key}]` : path ? `${path}.${key}` : key);
      if (found !== null) return found;
    }
    return null;
  }

  // ---- the network ----

  async function fetchText(url, check) {
    const target = new URL(url, location.href);
    let response;
    try {
      response = await fetch(target.href, { credentials: "omit", cache: "no-cache" });
    } catch {
      throw unknown(check, target.origin === location.origin ? "eNetwork" : "eCors", { url: target.href });
    }
    if (!response.ok) throw unknown(check, "eNotFound", { url: target.href, status: response.status });
    return response.text();
  }

  // did:web rules; only a local preview (http on 127.0.0.1 or localhost) reads its own host over http.
  function didWebUrl(did) {
    const parts = did.split("#")[0].split(":");
    if (parts.length < 3 || parts[0] !== "did" || parts[1] !== "web") return null;
    try {
      const host = decodeURIComponent(parts[2]);
      if (!/^[\w.[\]:-]+$/.test(host)) return null;
      const path = parts.slice(3).map(decodeURIComponent).join("/");
      const local = location.protocol === "http:" && host === location.host
        && (location.hostname === "127.0.0.1" || location.hostname === "localhost");
      return new URL(`${local ? "http" : "https"}://${host}/${path ? `${path}/` : ".well-known/"}did.json`).href;
    } catch {
      return null;
    }
  }

  function requireCrypto() {
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) throw unknown("cSignature", "eInsecure");
  }

  // ---- verification steps ----

  async function resolveKey(kid, did) {
    const url = didWebUrl(did);
    if (!url) throw invalid("cKey", "eNotDidWeb", { did });
    const doc = parseObject(await fetchText(url, "cKey"), "cKey");
    if (doc.id !== did) throw invalid("cKey", "eDidId", { url });
    if (![].concat(doc.assertionMethod || []).includes(kid)) throw invalid("cKey", "eNotListed", { key: kid });
    const method = [].concat(doc.verificationMethod || []).find((m) => m && m.id === kid);
    if (!method || method.controller !== did || method.type !== "Multikey") throw invalid("cKey", "eNotControlled", { key: kid });
    const multibase = String(method.publicKeyMultibase || "").trim();
    const data = multibase[0] === "z" ? base58(multibase.slice(1)) : null;
    if (!data || data.length !== 34 || data[0] !== 0xed || data[1] !== 0x01) throw invalid("cKey", "eKeyBytes", { key: kid });
    try {
      return { url, key: await crypto.subtle.importKey("raw", data.slice(2), { name: "Ed25519" }, false, ["verify"]) };
    } catch (error) {
      throw error.name === "NotSupportedError" ? unknown("cSignature", "eNoEd25519") : invalid("cKey", "eKeyBytes", { key: kid });
    }
  }

  async function verifyJwt(token, report, expectedDid) {
    const parts = token.trim().split(".");
    if (parts.length !== 3) throw invalid("cSignature", "eNotJwt");
    const header = parseObject(unbase64url(parts[0], "cSignature"), "cSignature");
    if (header.alg !== "EdDSA") throw invalid("cSignature", "eAlg", { alg: String(header.alg) });
    if ("crit" in header) throw invalid("cSignature", "eCrit");
    const typ = "typ" in header ? header.typ : "JWT";
    if (typeof typ !== "string" || typ.toUpperCase() !== "JWT") throw invalid("cSignature", "eTyp", { typ: String(typ) });
    const kid = typeof header.kid === "string" ? header.kid : "";
    if (!kid) throw invalid("cKey", "eKid");
    const did = kid.split("#")[0];
    if (expectedDid && did !== expectedDid) throw invalid("cKey", "eUnexpectedIssuer", { did, expected: expectedDid });
    const { url, key } = await resolveKey(kid, did);
    report.add("cKey", true, t("keyOk", { key: kid, url }));
    const signature = unbase64url(parts[2], "cSignature");
    let ok;
    try {
      ok = signature.length === 64
        && await crypto.subtle.verify({ name: "Ed25519" }, key, signature, encoder.encode(`${parts[0]}.${parts[1]}`));
    } catch {
      throw unknown("cSignature", "eNoEd25519");
    }
    if (!ok) throw invalid("cSignature", "eSignature");
    const payload = parseObject(unbase64url(parts[1], "cSignature"), "cSignature");
    if ("vc" in payload && !("@context" in payload)) throw invalid("cSignature", "eVc11");
    if (!("iss" in payload)) throw invalid("cSignature", "eClaim", { claim: "iss" });
    const claims = expectedClaims(payload);
    const wrong = CLAIMS.find((claim) => claim in payload && payload[claim] !== claims[claim]);
    if (wrong) throw invalid("cSignature", "eClaim", { claim: wrong });
    if (issuerId(payload) !== did) throw invalid("cKey", "eIssuerMismatch", { key: kid, did: issuerId(payload) });
    report.add("cSignature", true, t("sigOk"));
    return { credential: payload, didUrl: url };
  }

  // A Data Integrity proof needs RDF canonicalization, too big for this script: compare the
  // JSON credential with the VC-JWT its issuer publishes next to it instead.
  async function verifyJson(json, report, expectedDid) {
    if (json.type === "Assertion" || "badge" in json) throw unknown("cFormat", "eOb2");
    if (!("credentialSubject" in json)) throw unknown("cFormat", "eUnknownFile");
    let url = null;
    try { url = new URL("credential.jwt", String(json.id)); } catch { url = null; }
    if (!url || !/^https?:$/.test(url.protocol)) throw unknown("cCopy", "eNoId");
    const result = await verifyJwt(await fetchText(url.href, "cCopy"), report, expectedDid);
    const dropped = { ...json };
    const signed = { ...result.credential };
    delete dropped.proof;
    for (const claim of CLAIMS) delete signed[claim];
    const field = difference(dropped, signed, "");
    if (field !== null) throw new Failure("tampered", "cCopy", "eDiffer", { url: url.href, field });
    report.add("cCopy", true, t("copyOk", { url: url.href }));
    return result;
  }

  // The list's own Data Integrity proof is not checked (RDF canonicalization again): it must
  // at least come from the folder of the issuer's DID document, on the issuer's own site.
  async function checkStatus(credential, didUrl, report) {
    const entry = [].concat(credential.credentialStatus || [])
      .find((e) => e && e.type === "BitstringStatusListEntry" && (e.statusPurpose || "revocation") === "revocation");
    if (!entry) return report.add("cStatus", true, t("statusNone"));
    let url;
    try { url = new URL(String(entry.statusListCredential)).href; } catch { throw invalid("cStatus", "eStatusRead"); }
    const site = new URL(didUrl.endsWith("/.well-known/did.json") ? "/" : ".", didUrl).href;
    if (!url.startsWith(site)) throw invalid("cStatus", "eStatusSite", { url, site });
    if (typeof DecompressionStream === "undefined") throw unknown("cStatus", "eNoGzip");
    const list = parseObject(await fetchText(url, "cStatus"), "cStatus");
    if (issuerId(list) !== issuerId(credential)) throw invalid("cStatus", "eStatusIssuer");
    const encoded = String((list.credentialSubject || {}).encodedList || "");
    let bits;
    try {
      if (encoded[0] !== "u") throw new TypeError("no multibase prefix");
      bits = await inflate(unbase64url(encoded.slice(1), "cStatus"), "gzip");
    } catch {
      throw invalid("cStatus", "eStatusRead");
    }
    const index = String(entry.statusListIndex);
    if (!/^\d+$/.test(index) || Number(index) >= bits.length * 8) throw invalid("cStatus", "eStatusIndex", { index });
    const revoked = ((bits[Number(index) >> 3] >> (7 - (Number(index) & 7))) & 1) === 1;
    report.add("cStatus", !revoked, `${t(revoked ? "statusRevoked" : "statusOk", { index })} ${t("statusWhere", { url })}`);
    report.state = revoked ? "revoked" : report.state;
  }

  function checkDates(credential, report) {
    const now = Date.now();
    const from = report.from = parseDate(credential.validFrom);
    const until = report.until = parseDate(credential.validUntil);
    let state = "valid";
    if (from !== null && now < from) {
      state = "not-yet-valid";
      report.add("cDates", false, t("datesNotYet", { date: formatDate(from) }));
    } else if (until !== null && now >= until) {
      state = "expired";
      report.add("cDates", false, t("datesExpired", { date: formatDate(until) }));
    } else {
      report.add("cDates", true, t(until === null ? "datesOpen" : "datesOk", { from: formatDate(from), until: formatDate(until) }));
    }
    if (report.state !== "revoked") report.state = state; // revocation outranks the dates
  }

  // `load` yields {token} or {json}, and `kind`, the format it was found in, if any.
  async function verify(load, expectedDid) {
    const report = newReport("checking");
    try {
      const source = await load();
      if (source.kind) report.add("cFormat", true, t(source.kind));
      requireCrypto();
      const { credential, didUrl } = source.token !== undefined
        ? await verifyJwt(source.token, report, expectedDid)
        : await verifyJson(source.json, report, expectedDid);
      report.credential = credential;
      await checkStatus(credential, didUrl, report);
      checkDates(credential, report);
    } catch (error) {
      report.credential = null;
      report.fail(error instanceof Failure ? error : unknown("cSignature", "eUnexpected", { error: String(error && error.message) }));
    }
    return report;
  }

  // ---- reading files ----

  function classify(text, kind) {
    const trimmed = text.replace(/^\uFEFF/, "").trim();
    if (trimmed[0] === "<") return classify(readSvg(trimmed), "fmtSvg");
    if (/^[\w-]+\.[\w-]+\.[\w-]+$/.test(trimmed)) return { kind: kind || "fmtJwt", token: trimmed };
    let json = null;
    try { json = JSON.parse(trimmed); } catch { json = null; }
    if (!json || typeof json !== "object" || Array.isArray(json)) throw unknown("cFormat", kind ? "eNoCredential" : "eUnknownFile");
    return { kind: kind || "fmtJson", json };
  }

  function readSvg(text) {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    if (doc.getElementsByTagName("parsererror").length) throw unknown("cFormat", "eBadSvg");
    const element = doc.getElementsByTagNameNS(OB3_NS, "credential")[0];
    const payload = element ? element.textContent.trim() || (element.getAttribute("verify") || "").trim() : "";
    if (payload) return payload;
    throw unknown("cFormat", doc.getElementsByTagNameNS(OB2_NS, "assertion").length ? "eOb2" : "eNoCredential");
  }

  // The text of the PNG iTXt chunk whose keyword is `keyword` (Open Badges baking), or null.
  async function readPngText(bytes, keyword) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let at = 8; at + 12 <= bytes.length;) {
      const start = at + 8;
      const end = start + view.getUint32(at);
      const type = latin1(bytes.subarray(at + 4, start));
      if (end + 4 > bytes.length) throw unknown("cFormat", "eBadPng");
      const data = bytes.subarray(start, end);
      const nul = data.indexOf(0);
      if (type === "iTXt" && nul > 0 && latin1(data.subarray(0, nul)) === keyword) {
        // keyword NUL, compression flag and method, language NUL, translated keyword NUL, text
        const language = data.indexOf(0, nul + 3);
        const translated = language < 0 ? -1 : data.indexOf(0, language + 1);
        try {
          const text = data.subarray(translated + 1);
          if (translated < 0) throw new RangeError("unterminated");
          return utf8.decode(data[nul + 1] ? await inflate(text, "deflate") : text);
        } catch {
          throw unknown("cFormat", "eBadPng");
        }
      }
      if (type === "IEND") break;
      at = end + 4;
    }
    return null;
  }

  const isPng = (bytes) => latin1(bytes.subarray(0, 8)) === "\x89PNG\r\n\x1a\n";

  async function extract(bytes) {
    if (isPng(bytes)) {
      const text = await readPngText(bytes, "openbadgecredential");
      if (text !== null) return classify(text, "fmtPng");
      throw unknown("cFormat", (await readPngText(bytes, "openbadges")) !== null ? "eOb2" : "eNoCredential");
    }
    let text;
    try { text = utf8.decode(bytes); } catch { throw unknown("cFormat", "eUnknownFile"); }
    return classify(text, null);
  }

  // ---- rendering ----

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  const STYLES = {
    valid: ["status-valid", "tValid"],
    expired: ["status-expired", "tExpired"],
    "not-yet-valid": ["status-expired", "tNotYet"],
    revoked: ["status-revoked", "tRevoked"],
    invalid: ["status-invalid", "tInvalid"],
    tampered: ["status-invalid", "tTampered"],
    unknown: ["status-unknown", "tUnknown"],
    checking: ["status-checking", "tChecking"],
  };

  function verdictText(report, revocation) {
    const date = (ms) => ({ date: formatDate(ms) });
    switch (report.state) {
      case "valid": return `${report.until === null ? t("validForever") : t("validUntil", date(report.until))} ${t("checkedNow")}`;
      case "expired": return t("expiredText", date(report.until));
      case "not-yet-valid": return t("notYetText", date(report.from));
      case "revoked":
        // The date and reason come from the page, but only the status bit says "revoked".
        if (!revocation || !revocation.revokedDate) return t("revokedPlain");
        return `${t("revokedBy", { issuer: issuerName(report.credential), date: revocation.revokedDate })} ${
          revocation.revokedReason ? `${t("reason")} ${revocation.revokedReason}` : ""}`;
      case "invalid": return t("invalidText", { reason: report.reason });
      case "tampered": return t("tamperedText", { field: report.field });
      case "checking": return "";
      default: return t("unknownText", { reason: report.reason });
    }
  }

  function renderVerdict(box, report, revocation) {
    const [style, title] = STYLES[report.state];
    const text = verdictText(report, revocation).trim();
    box.replaceChildren(el("div", { class: `status verdict ${style}` }, [
      el("p", { class: "status-title" }, [t(title)]), ...(text ? [el("p", {}, [text])] : []),
    ]));
    $("verdict-checks").replaceChildren(...report.checks.map(checkItem));
    $("verdict-details").hidden = report.checks.length === 0;
  }

  // The parts only a script can fill: how the browser checked the badge, and "is this badge
  // yours?". They are made here, after `anchor`, so that pages without scripts carry none of them.
  function addVerdictParts(anchor) {
    const details = el("details", { class: "verdict-details", id: "verdict-details", hidden: "" }, [
      el("summary", {}, [t("howChecked")]),
      el("ul", { class: "checks", id: "verdict-checks" }, []),
    ]);
    const input = el("input", { type: "email", id: "identity-email", name: "email", autocomplete: "off", spellcheck: "false" }, []);
    const identity = el("details", { class: "identity-check", id: "identity-check", hidden: "" }, [
      el("summary", {}, [t("idSummary")]),
      el("form", { id: "identity-form", class: "identity-form", novalidate: "" }, [
        el("p", {}, [t("idIntro")]),
        el("label", { for: "identity-email" }, [t("idLabel")]),
        el("span", { class: "inline-field" }, [input, el("button", { type: "submit", class: "button" }, [t("idCheck")])]),
        el("p", { class: "identity-result", id: "identity-result", "aria-live": "polite" }, []),
      ]),
    ]);
    anchor.after(details, identity);
  }

  const checkItem = (check) => el("li", { class: `check check-${check.ok ? "ok" : "fail"}` }, [
    el("span", { class: "check-mark", role: "img", "aria-label": t(check.ok ? "passed" : "failed") }, [check.ok ? "✓" : "✕"]),
    " ", el("strong", {}, [t("label", { name: t(check.name) })]), ` ${check.detail}`,
  ]);

  // "Is this badge yours?": hashes the typed address as the issuer did; nothing leaves the page.
  function initIdentityForm(expected) {
    const output = $("identity-result");
    const input = $("identity-email");
    $("identity-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      output.className = "identity-result";
      const email = input.value.trim().toLowerCase();
      const targets = expected();
      if (!email || !targets.length) {
        output.textContent = t(email ? "idNone" : "idEmpty");
        return;
      }
      try {
        requireCrypto();
        let match = true;
        for (const { hash, salt, hashed } of targets) {
          const digest = hashed && await crypto.subtle.digest("SHA-256", encoder.encode(email + salt));
          const value = hashed ? `sha256$${Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("")}` : email;
          match = match && value === hash.toLowerCase();
        }
        output.textContent = t(match ? "idMatch" : "idNoMatch");
        output.classList.add(match ? "is-match" : "is-no-match");
      } catch (error) {
        output.textContent = error.message;
      }
    });
    input.addEventListener("input", () => {
      output.textContent = "";
      output.className = "identity-result";
    });
  }

  // ---- award pages ----

  async function initAwardPage(root) {
    const page = root.dataset;
    // Until a verdict (or without one) the static box must still turn "expired" on time:
    // the page is not rebuilt daily, so only the reader's clock can tell.
    const staticBox = $("status");
    if (staticBox && Date.parse(staticBox.dataset.expires) <= Date.now()) {
      staticBox.classList.replace("status-valid", "status-expired");
      document.querySelectorAll("[data-expired-text]").forEach((node) => { node.textContent = node.dataset.expiredText; });
      document.querySelectorAll("details[data-open-when-expired]").forEach((node) => { node.open = true; });
    }
    $("verdict-nojs").hidden = true;
    addVerdictParts($("verdict-nojs"));
    $("identity-check").hidden = false;
    let report = null;
    initIdentityForm(() => [{ hash: page.identity, salt: page.salt, hashed: true }]
      .concat((report && recipientIdentity(report.credential)) || []));
    report = await verify(async () => {
      // Only the issuer's own site can vouch for its keys: a copy of this page elsewhere
      // cannot (and the site's security policy would not let it fetch them anyway).
      const resolved = didWebUrl(page.issuerDid);
      if (resolved !== new URL(page.didDocument, location.href).href) throw unknown("cKey", "eNotHere", { url: resolved || page.issuerDid });
      return { token: await fetchText(page.credentialJwt, "cSignature") };
    }, page.issuerDid);
    renderVerdict(root, report, page);
    // A definite verdict supersedes the page's static one; "cannot verify" leaves it in view.
    if (staticBox && report.state !== "unknown") staticBox.hidden = true;
    // Inviting people to share (or add to LinkedIn) a badge that no longer holds would mislead.
    const share = document.querySelector("section.share");
    if (share && report.state !== "valid" && report.state !== "unknown") share.hidden = true;
  }

  // ---- the verify page ----

  function dataUrl(bytes) {
    return new Promise((resolve) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => resolve(null);
      reader.readAsDataURL(new Blob([bytes], { type: isPng(bytes) ? "image/png" : "image/svg+xml" }));
    });
  }

  // Descriptions are Markdown; the card shows them as plain text.
  const plain = (text) => String(text || "").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/\*\*|__|`/g, "");

  function showBadge(report, fileImage) {
    const section = $("verify-badge");
    const c = report.credential;
    section.hidden = !c;
    if (!c) return;
    const achievement = subjectOf(c).achievement || {};
    const identity = recipientIdentity(c);
    const texts = {
      "verify-badge-name": achievement.name || c.name,
      "verify-badge-description": plain(achievement.description || c.description),
      "verify-issuer": issuerName(c),
      "verify-issued": formatDate(parseDate(c.awardedDate) ?? report.from),
      "verify-until": report.until === null ? t("noExpiry") : formatDate(report.until),
      "verify-recipient": !identity ? "?" : identity.hashed ? t("recipientHashed") : identity.hash,
    };
    for (const [id, text] of Object.entries(texts)) $(id).textContent = String(text || "");
    // The site's policy lets images come from this site or the dropped file only.
    const image = $("verify-badge-image");
    let source = fileImage;
    try {
      const url = new URL(String(achievement.image.id || achievement.image));
      if (url.origin === location.origin) source = url.href;
    } catch { /* keep the file's own image */ }
    image.hidden = !source;
    image.src = source || "data:,";
    image.alt = String((achievement.image && achievement.image.caption) || "");
    section.classList.toggle("is-revoked", report.state !== "valid");
  }

  function initVerifyPage(form) {
    const box = $("verify-verdict");
    addVerdictParts($("verify-badge"));
    const identity = $("identity-check");
    const textInput = $("verify-text");
    const drop = $("verify-drop");
    $("verify-nojs").hidden = true;
    form.hidden = false;
    let current = null;
    initIdentityForm(() => [].concat(recipientIdentity(current) || []));

    async function run(load, fileImage) {
      current = null;
      identity.hidden = true;
      $("identity-result").textContent = "";
      const checking = newReport("checking");
      renderVerdict(box, checking, null);
      showBadge(checking, null);
      const report = await verify(load, "");
      current = report.credential;
      renderVerdict(box, report, null);
      showBadge(report, await fileImage);
      identity.hidden = !recipientIdentity(current);
      box.scrollIntoView({ block: "nearest" });
    }

    async function checkFile(file) {
      const bytes = new Uint8Array(await file.arrayBuffer());
      const image = isPng(bytes) || /^\s*</.test(latin1(bytes.subarray(0, 64))) ? dataUrl(bytes) : null;
      await run(() => extract(bytes), image);
    }

    $("verify-file").addEventListener("change", (event) => {
      if (event.target.files[0]) checkFile(event.target.files[0]);
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      run(async () => classify(textInput.value, null), null);
    });
    drop.addEventListener("dragover", (event) => {
      event.preventDefault();
      drop.classList.add("is-dragover");
    });
    drop.addEventListener("dragleave", () => drop.classList.remove("is-dragover"));
    drop.addEventListener("drop", (event) => {
      event.preventDefault();
      drop.classList.remove("is-dragover");
      if (event.dataTransfer.files[0]) checkFile(event.dataTransfer.files[0]);
    });
  }

  // Badge and issuer pages check their endorsements with the same steps (endorse.js).
  window.sitegenVerifyEngine = { verify, didWebUrl, fetchText, invalid, unknown, newReport, subjectOf, issuerName, formatDate, el, t, checkItem, STYLES };

  if ($("live-verdict")) initAwardPage($("live-verdict"));
  if ($("verify-form")) initVerifyPage($("verify-form"));
})();
