// Time Digital Bazaar jsonld.js RDFC-1.0 canonicalization of one credential (and its
// proof configuration), with the contexts bundled in sitegen/crypto/contexts/.
// Usage: node benchmarks/canon.mjs CREDENTIAL.json CONTEXTS.json RUNS
// CONTEXTS.json maps context URL -> file name; prints {"median_ms": ..., "first_ms": ...}.
// jsonld is resolved from tests/jsverify/node_modules (installed by the test harness).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(root, "tests", "jsverify", "package.json"));
const jsonld = require("jsonld");

const [credentialPath, contextsPath, runsText] = process.argv.slice(2);
const doc = JSON.parse(readFileSync(credentialPath, "utf-8"));
delete doc.proof;
const names = JSON.parse(readFileSync(contextsPath, "utf-8"));
const contexts = {};
for (const [url, name] of Object.entries(names)) {
  contexts[url] = JSON.parse(
    readFileSync(join(root, "sitegen", "crypto", "contexts", name), "utf-8"));
}
const documentLoader = async (url) => {
  if (!(url in contexts)) throw new Error(`not bundled: ${url}`);
  return { contextUrl: null, documentUrl: url, document: structuredClone(contexts[url]) };
};
const config = {
  "@context": doc["@context"], type: "DataIntegrityProof", cryptosuite: "eddsa-rdfc-2022",
  created: "2024-03-14T00:00:00Z", proofPurpose: "assertionMethod",
  verificationMethod: "did:web:bench.example.org:issuers:bench#development-key",
};
const options = {
  algorithm: "URDNA2015", format: "application/n-quads", documentLoader, safe: true,
};
const times = [];
for (let i = 0; i < Number(runsText); i++) {
  const started = performance.now();
  await jsonld.canonize(config, options);
  await jsonld.canonize(doc, options);
  times.push(performance.now() - started);
}
const sorted = [...times].sort((a, b) => a - b);
const mid = sorted.length >> 1;
const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
console.log(JSON.stringify({ median_ms: median, first_ms: times[0] }));
