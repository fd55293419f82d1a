// Gives each endorsement on a badge or issuer page its own live verdict, with the steps
// verify.js uses for awards (loaded first): the endorser's EdDSA signature of the VC-JWT,
// its key in the endorser's did:web document on this site, and the dates; the endorsement
// must also be about what the page shows. Without JavaScript the page keeps its static text.
(() => {
  "use strict";

  const engine = window.sitegenVerifyEngine;
  if (!engine) return;
  const { verify, didWebUrl, fetchText, invalid, unknown, newReport, subjectOf, issuerName, formatDate, el, t, checkItem, STYLES } = engine;

  const TEXTS = {
    expired: "endExpired", "not-yet-valid": "endNotYet", revoked: "endInvalid",
    invalid: "endInvalid", tampered: "endInvalid", unknown: "endUnknown",
  };

  function render(box, report) {
    const [style, title] = STYLES[report.state];
    const c = report.credential;
    const params = {
      endorser: box.dataset.endorserName || (c ? issuerName(c) : ""), reason: report.reason,
      date: formatDate(report.state === "not-yet-valid" ? report.from : report.until),
    };
    let text = "";
    if (report.state === "valid") text = `${t("endValid", params)}${report.until === null ? "" : ` ${t("endUntil", params)}`}`;
    else if (TEXTS[report.state]) text = t(TEXTS[report.state], params);
    const children = [el("p", { class: "status-title" }, [t(title)]), ...(text ? [el("p", {}, [text])] : [])];
    if (report.checks.length) {
      children.push(el("details", { class: "verdict-details" }, [
        el("summary", {}, [t("endHow")]), el("ul", { class: "checks" }, report.checks.map(checkItem)),
      ]));
    }
    box.replaceChildren(el("div", { class: `status verdict ${style}` }, children));
  }

  async function check(box) {
    const data = box.dataset;
    render(box, newReport("checking"));
    const report = await verify(async () => {
      // Only this site vouches for the endorser's keys: a copy of the page elsewhere cannot.
      const resolved = didWebUrl(data.endorserDid);
      if (resolved !== new URL(data.didDocument, location.href).href) throw unknown("cKey", "eNotHere", { url: resolved || data.endorserDid });
      return { token: await fetchText(data.credentialJwt, "cSignature") };
    }, data.endorserDid);
    const c = report.credential;
    if (c && (![].concat(c.type || []).includes("EndorsementCredential") || subjectOf(c).id !== data.subject)) {
      report.fail(invalid("cSubject", "eNotThisEndorsement", { subject: data.subject }));
    }
    render(box, report);
  }

  document.querySelectorAll(".endorsement-verdict").forEach(check);
})();
