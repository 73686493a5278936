// The Lambda Runtime API loop of Node.js's managed runtime, reduced to what one function
// needs: import the handler named by _HANDLER from LAMBDA_TASK_ROOT, then forever fetch the
// next invocation, run the handler, and post its answer (or its error). Not shipped with the
// function: in Lambda the nodejs runtime provides this loop.

import http from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

const api = process.env.AWS_LAMBDA_RUNTIME_API;
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const base = `http://${api}/2018-06-01/runtime`;

function request(method, url, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent, headers: { "content-type": "application/json" } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => resolve({ headers: res.headers, status: res.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const errorBody = (err) =>
  JSON.stringify({
    errorType: err?.name ?? "Error",
    errorMessage: err?.message ?? String(err),
    stackTrace: String(err?.stack ?? "").split("\n"),
  });

let handler;
try {
  const [module, name] = (process.env._HANDLER ?? "index.handler").split(".");
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  handler = (await import(pathToFileURL(path.join(root, `${module}.mjs`)).href))[name];
  if (typeof handler !== "function") throw new Error(`${module}.${name} is not a function`);
} catch (err) {
  await request("POST", `${base}/init/error`, errorBody(err));
  process.exit(1);
}

for (;;) {
  const next = await request("GET", `${base}/invocation/next`);
  const id = next.headers["lambda-runtime-aws-request-id"];
  const context = {
    awsRequestId: id,
    invokedFunctionArn: next.headers["lambda-runtime-invoked-function-arn"],
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    getRemainingTimeInMillis: () => Number(next.headers["lambda-runtime-deadline-ms"]) - Date.now(),
  };
  try {
    const answer = await handler(JSON.parse(next.body), context);
    await request("POST", `${base}/invocation/${id}/response`, JSON.stringify(answer ?? null));
  } catch (err) {
    console.error(err);
    await request("POST", `${base}/invocation/${id}/error`, errorBody(err));
  }
}
