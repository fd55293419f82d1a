// Verifies Open Badges 3.0 credentials offline with the Digital Bazaar stack, for the Python tests.
//
// Request on stdin (JSON):
//   {"siteDir": "<built site folder>", "baseUrl": "https://badges.example.org/",
//    "contexts": {"<context URL>": "<file>", ...}, "credentials": ["<file>", ...],
//    "checkStatus": true, "now": "<optional ISO date-time>"}
// Answer on stdout (JSON):
//   {"results": [{"path", "verified", "error", "statusResult", "raw"}, ...]}
//
// `node verify.mjs --probe-network <url>` tries to reach <url> and reports how
// the network guard refused: the harness's tests use it to show that nothing
// in this process can open a socket.

import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from
  '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as jose from 'jose';

const MULTIKEY_CONTEXT = 'https://w3id.org/security/multikey/v1';
const DID_WEB_PREFIX = 'did:web:';
// Relationship properties that may embed verification methods instead of
// referring to ones listed under `verificationMethod`.
const EMBEDDING_PROPERTIES = [
  'verificationMethod', 'assertionMethod', 'authentication',
  'capabilityInvocation', 'capabilityDelegation', 'keyAgreement'
];
const NETWORK_DISABLED = 'network is disabled in the offline verifier';

blockNetwork();

if(process.argv[2] === '--probe-network') {
  await probeNetwork(process.argv[3]);
} else {
  await main();
}

// Any library that tried the network would make a test depend on the outside
// world; failing loudly at the socket shows it instead.
function blockNetwork() {
  const refuse = function() {
    throw new Error(`${NETWORK_DISABLED} (socket connect refused)`);
  };
  net.Socket.prototype.connect = refuse;
  globalThis.fetch = async url => {
    throw new Error(`${NETWORK_DISABLED} (fetch ${url} refused)`);
  };
}

async function probeNetwork(url) {
  const outcome = {fetch: null, http: null};
  try {
    await fetch(url);
  } catch(e) {
    outcome.fetch = e.message;
  }
  try {
    await new Promise((resolve, reject) => {
      const req = http.get(url, resolve);
      req.on('error', reject);
    });
  } catch(e) {
    outcome.http = e.message;
  }
  process.stdout.write(JSON.stringify(outcome) + '\n');
}

async function main() {
  let request;
  try {
    request = parseRequest(fs.readFileSync(0, 'utf8'));
  } catch(e) {
    process.stderr.write(`verify.mjs: bad request: ${e.message}\n`);
    process.exit(2);
  }
  const files = new Map();
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
  const results = [];
  for(const credentialPath of request.credentials) {
    results.push(await verifyOne({credentialPath, request, files, suite}));
  }
  process.stdout.write(JSON.stringify({results}) + '\n');
}

function parseRequest(text) {
  const request = JSON.parse(text);
  const {siteDir, baseUrl, contexts = {}, credentials} = request;
  if(typeof siteDir !== 'string' || !fs.existsSync(siteDir) ||
    !fs.statSync(siteDir).isDirectory()) {
    throw new TypeError(`"siteDir" must name a folder: ${siteDir}`);
  }
  if(typeof baseUrl !== 'string' || !/^https?:\/\/[^/]+\//.test(baseUrl)) {
    throw new TypeError('"baseUrl" must be an http(s) URL ending with a path.');
  }
  if(typeof contexts !== 'object' || Array.isArray(contexts)) {
    throw new TypeError('"contexts" must map URLs to files.');
  }
  if(!Array.isArray(credentials) ||
    !credentials.every(c => typeof c === 'string')) {
    throw new TypeError('"credentials" must be a list of file paths.');
  }
  return {
    siteDir: path.resolve(siteDir),
    baseUrl: baseUrl.endsWith('/') ? baseUrl : baseUrl + '/',
    contexts: new Map(Object.entries(contexts)),
    credentials,
    checkStatus: request.checkStatus !== false,
    now: request.now
  };
}

async function verifyOne({credentialPath, request, files, suite}) {
  const loaded = [];
  const documentLoader = makeDocumentLoader({...request, files, loaded});
  if(credentialPath.endsWith('.jwt')) {
    return verifyJwt({credentialPath, request, documentLoader, suite, loaded});
  }
  let credential;
  try {
    credential = JSON.parse(fs.readFileSync(credentialPath, 'utf8'));
  } catch(e) {
    return {
      path: credentialPath, verified: false,
      error: `cannot read credential: ${e.message}`,
      statusResult: null, raw: null
    };
  }
  const options = {
    credential, suite, documentLoader,
    // vc refuses a credential with `credentialStatus` unless given a checker.
    checkStatus: request.checkStatus ? checkStatus : skipStatus
  };
  if(request.now !== undefined) {
    options.now = request.now;
  }
  const result = await vc.verifyCredential(options);
  const statusResult = request.checkStatus ?
    summarizeStatus(result.statusResult) : null;
  let error = null;
  if(result.error) {
    error = describeError(result.error);
  } else if(!result.verified && statusResult) {
    error = `status check failed: ${statusResult.error ?? 'not verified'}`;
  } else if(!result.verified) {
    error = 'not verified';
  }
  return {
    path: credentialPath,
    verified: result.verified === true,
    error,
    statusResult,
    raw: {
      errorName: result.error?.name ?? null,
      errors: listErrorMessages(result.error),
      proofs: (result.results ?? []).map(summarizeProof),
      loaded
    }
  };
}

// A VC-JWT: the key comes from the issuer's DID document (the JOSE `kid`), is
// converted to a JWK by the Multikey library and checked by `jose`; the status
// list is then read as for an embedded proof.
async function verifyJwt({credentialPath, request, documentLoader, suite, loaded}) {
  const result = {path: credentialPath, verified: false, error: null,
    statusResult: null, raw: {loaded}};
  try {
    const token = fs.readFileSync(credentialPath, 'utf8').trim();
    const {kid, alg} = jose.decodeProtectedHeader(token);
    const {document: method} = await documentLoader(kid);
    const keyPair = await Ed25519Multikey.from(method);
    const jwk = await Ed25519Multikey.toJwk({keyPair});
    const key = await jose.importJWK(jwk, alg);
    const options = {algorithms: ['EdDSA']};
    if(request.now !== undefined) {
      options.currentDate = new Date(request.now);
    }
    const {payload} = await jose.jwtVerify(token, key, options);
    const issuer = typeof payload.issuer === 'string' ? payload.issuer : payload.issuer?.id;
    if(payload.iss !== issuer || method.controller !== issuer) {
      throw new Error(`key ${kid} is not the issuer's (${issuer})`);
    }
    result.verified = true;
    result.raw.claims = {iss: payload.iss, jti: payload.jti, nbf: payload.nbf, exp: payload.exp};
    if(request.checkStatus) {
      const status = await checkStatus({credential: payload, documentLoader, suite,
        verifyStatusListCredential: true, verifyMatchingIssuers: true});
      result.statusResult = summarizeStatus(status);
    }
  } catch(e) {
    result.error = describeError(e);
  }
  return result;
}

async function skipStatus() {
  return {verified: true};
}

function summarizeProof(proofResult) {
  return {
    verified: proofResult.verified === true,
    proofPurpose: proofResult.proof?.proofPurpose ?? null,
    verificationMethod: proofResult.proof?.verificationMethod ?? null,
    // Set only once the key was loaded and the signature checked.
    controller: proofResult.verificationMethod?.controller ?? null,
    error: proofResult.error ? describeError(proofResult.error) : null
  };
}

function summarizeStatus(statusResult) {
  if(!statusResult) {
    return null;
  }
  const entries = (statusResult.results ?? []).map(r => ({
    verified: r.verified === true,
    statusPurpose: r.credentialStatus?.statusPurpose ?? null,
    statusListIndex: r.credentialStatus?.statusListIndex ?? null,
    statusListCredential: r.credentialStatus?.statusListCredential ?? null,
    status: typeof r.status === 'boolean' ? r.status : null
  }));
  const verified = statusResult.verified === true;
  return {
    verified,
    // A set bit in any checked list is what a displayer shows as revoked.
    status: verified ? entries.some(e => e.status === true) : null,
    error: statusResult.error ? describeError(statusResult.error) : null,
    entries
  };
}

function describeError(error) {
  const messages = listErrorMessages(error);
  return messages.length > 0 ? messages.join('; ') : String(error);
}

// VerificationError wraps the real reasons in `errors`; status errors chain
// theirs through `cause`, jsonld's through `details.cause` (where the
// document loader's own message is).
function listErrorMessages(error, seen = new Set()) {
  if(!error || seen.has(error)) {
    return [];
  }
  seen.add(error);
  const messages = [];
  const nested = Array.isArray(error.errors) ? error.errors : [];
  if(error.message && !(error.name === 'VerificationError' && nested.length)) {
    messages.push(error.message);
  }
  for(const inner of nested) {
    messages.push(...listErrorMessages(inner, seen));
  }
  for(const cause of [error.cause, error.details?.cause]) {
    for(const message of listErrorMessages(cause, seen)) {
      if(!messages.some(m => m.includes(message))) {
        messages.push(message);
      }
    }
  }
  return messages;
}

function makeDocumentLoader({siteDir, baseUrl, contexts, files, loaded}) {
  return async function documentLoader(url) {
    if(typeof url !== 'string') {
      throw new TypeError(`Refusing to load a non-string URL: ${String(url)}`);
    }
    const document = loadDocument(url);
    if(!loaded.includes(url)) {
      loaded.push(url);
    }
    return {contextUrl: null, documentUrl: url, document};
  };

  function loadDocument(url) {
    if(contexts.has(url)) {
      return readJson(contexts.get(url), url);
    }
    if(url.startsWith(DID_WEB_PREFIX)) {
      return resolveDidWeb(url);
    }
    if(url.startsWith(baseUrl)) {
      const [address, fragment] = splitFragment(url);
      const document = readJson(mapUrlToFile(address), url);
      return fragment === null ? document : selectNode(document, url);
    }
    throw new Error(
      `Refusing to load "${url}": it is not a local context, not under the ` +
      `base URL "${baseUrl}" and not a did:web on that site; the offline ` +
      'verifier never uses the network.');
  }

  // did:web resolution (W3C CCG did:web spec): `:` becomes `/`, `%3A` in the
  // host is a port, a bare host gets `/.well-known`, then `/did.json`.
  function resolveDidWeb(didUrl) {
    const [did, fragment] = splitFragment(didUrl);
    if(/[?/]/.test(did)) {
      throw new Error(`Unsupported did:web DID URL "${didUrl}".`);
    }
    const segments = did.slice(DID_WEB_PREFIX.length).split(':')
      .map(s => decodeURIComponent(s));
    if(segments.some(s => s === '' || s === '.' || s === '..' ||
      s.includes('/'))) {
      throw new Error(`Malformed did:web "${did}".`);
    }
    const [host, ...pathSegments] = segments;
    const tail = pathSegments.length > 0 ?
      pathSegments.map(encodeURIComponent).join('/') : '.well-known';
    const httpsUrl = `https://${host}/${tail}/did.json`;
    if(!httpsUrl.startsWith(baseUrl)) {
      throw new Error(
        `Refusing to resolve "${did}": its document ${httpsUrl} is not under ` +
        `the base URL "${baseUrl}"; the offline verifier never uses the ` +
        'network.');
    }
    const document = readJson(mapUrlToFile(httpsUrl), didUrl);
    if(document.id !== did) {
      throw new Error(
        `DID document at ${httpsUrl} has id "${document.id}", ` +
        `not "${did}".`);
    }
    return fragment === null ? document : selectNode(document, didUrl);
  }

  function mapUrlToFile(url) {
    const rest = url.slice(baseUrl.length).split('?')[0];
    const segments = rest.split('/').map(s => decodeURIComponent(s));
    if(segments.some(s => s === '.' || s === '..' || s.includes('/') ||
      s.includes('\\'))) {
      throw new Error(`Refusing to map "${url}" outside the site folder.`);
    }
    if(segments[segments.length - 1] === '') {
      segments[segments.length - 1] = 'index.html';
    }
    return path.join(siteDir, ...segments);
  }

  function readJson(file, url) {
    if(!files.has(file)) {
      let text;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch(e) {
        throw new Error(`Cannot load "${url}": ${e.message}`);
      }
      try {
        files.set(file, JSON.parse(text));
      } catch(e) {
        throw new Error(`Cannot load "${url}": ${file} is not JSON: ${e.message}`);
      }
    }
    // The libraries must never see each other's edits to a shared document.
    return structuredClone(files.get(file));
  }
}

function splitFragment(url) {
  const hash = url.indexOf('#');
  return hash === -1 ? [url, null] : [url.slice(0, hash), url.slice(hash + 1)];
}

// As @digitalbazaar/did-method-web does for a DID URL with a fragment: the
// matching verification method on its own, with the context its type needs.
function selectNode(document, url) {
  const candidates = EMBEDDING_PROPERTIES.flatMap(name => {
    const value = document[name];
    return Array.isArray(value) ? value : (value === undefined ? [] : [value]);
  });
  const node = candidates.find(c => c && typeof c === 'object' && c.id === url);
  if(!node) {
    throw new Error(
      `Document ${document.id ?? '(no id)'} has no verification method "${url}".`);
  }
  if(node.type !== 'Multikey') {
    throw new Error(
      `Verification method "${url}" has type "${node.type}"; ` +
      'only Multikey is supported.');
  }
  const {'@context': _ignored, ...method} = node;
  return {'@context': MULTIKEY_CONTEXT, ...method};
}
