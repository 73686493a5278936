// Payrail API reference: renders this deployment's OpenAPI document with the vendored
// Swagger UI (loaded before this module). Relative URLs resolve against the page's base, so
// the page works as well behind an API Gateway stage prefix (/prod/docs) as at /docs.

const base = new URL(".", document.baseURI);
const documentUrl = new URL("api/v1/openapi.json", base);
const root = document.getElementById("reference");

function showStatus(text) {
  const status = document.getElementById("docs-status");
  status.textContent = text;
  status.classList.add("error");
}

async function boot() {
  let doc;
  try {
    const res = await fetch(documentUrl, { headers: { Accept: "application/json" }, credentials: "omit" });
    if (!res.ok) throw new Error(`the server answered ${res.status} ${res.statusText}`);
    doc = await res.json();
  } catch (err) {
    showStatus(`Could not load the API document (${err.message}). Reload the page to try again.`);
    return;
  }
  if (typeof window.SwaggerUIBundle !== "function") {
    showStatus("The reference viewer did not load. Reload the page to try again.");
    return;
  }
  // "Try it out" calls this deployment, whatever server the document was written for.
  doc.servers = [{ url: base.href.replace(/\/$/, ""), description: "This deployment" }];
  root.replaceChildren();
  window.SwaggerUIBundle({
    spec: doc,
    domNode: root,
    // `#/{tag}/{operationId}` opens that operation: the Developer Hub links to them.
    deepLinking: true,
    displayOperationId: true,
    defaultModelsExpandDepth: 0,
    // No badge fetched from the public validator: the page talks to this origin only.
    validatorUrl: null,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
}

boot();
