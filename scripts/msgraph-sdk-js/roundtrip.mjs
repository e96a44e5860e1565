// Microsoft's JavaScript Graph SDK (@microsoft/msgraph-sdk with @microsoft/msgraph-sdk-users)
// against photo-emulator over 127.0.0.1: one upload, read and delete round trip of the signed-in
// user's photo on /v1.0, the SDK set up as its README shows (GraphRequestAdapter over a bearer
// token provider, here a static token the emulator minted). Prints one line per check and
// "N passed, N failed"; exits non-zero on any failure, and stops the emulator it started.
//
// Usage: node roundtrip.mjs PATH_TO_PHOTO_EMULATOR

import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";

import {
  AllowedHostsValidator,
  BaseBearerTokenAuthenticationProvider,
} from "@microsoft/kiota-abstractions";
import { createGraphServiceClient, GraphRequestAdapter } from "@microsoft/msgraph-sdk";
import "@microsoft/msgraph-sdk-users";

const HOST = "127.0.0.1";
// A 16x12 JPEG (the SDK sends it as application/octet-stream, as it does every photo).
const JPEG = Buffer.from(
  "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjIyMjL/wAARCAAMABADASIAAhEBAxEB/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/8QAHwEAAwEBAQEBAQEBAQAAAAAAAAECAwQFBgcICQoL/8QAtREAAgECBAQDBAcFBAQAAQJ3AAECAxEEBSExBhJBUQdhcRMiMoEIFEKRobHBCSMzUvAVYnLRChYkNOEl8RcYGRomJygpKjU2Nzg5OkNERUZHSElKU1RVVldYWVpjZGVmZ2hpanN0dXZ3eHl6goOEhYaHiImKkpOUlZaXmJmaoqOkpaanqKmqsrO0tba3uLm6wsPExcbHyMnK0tPU1dbX2Nna4uPk5ebn6Onq8vP09fb3+Pn6/9oADAMBAAIRAxEAPwDzyw8N7cfJ+lddY+G9uPk/Sup06xt/7lb+nWNv/crwMVms8Na2t/wt+YuH87qOx//Z",
  "base64",
);

const emulatorPath = process.argv[2];
if (!emulatorPath) {
  console.error("usage: node roundtrip.mjs PATH_TO_PHOTO_EMULATOR");
  process.exit(2);
}

/** Starts photo-emulator on a free loopback port; resolves with the process and its origin. */
function startEmulator(secret) {
  const child = spawn(emulatorPath, ["serve", "--bind", `${HOST}:0`, "--secret", secret], {
    stdio: ["ignore", "pipe", "ignore"],
  });
  const stop = () => child.kill("SIGTERM");
  process.on("exit", stop);
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error("the emulator did not start")), 30_000);
    lines.on("line", (line) => {
      const found = /^photo-emulator listening on (\S+)$/.exec(line.trim());
      if (found) {
        clearTimeout(timer);
        resolve({ child, stop, origin: `http://${found[1]}` });
      }
    });
    child.on("exit", (code) => reject(new Error(`the emulator exited with ${code}`)));
  });
}

/** The graph client of the SDK's README, with a static token allowed for 127.0.0.1 only. */
function graph(baseUrl, token) {
  const hosts = new AllowedHostsValidator(new Set([HOST]));
  const tokens = {
    getAuthorizationToken: async (url) => (url && hosts.isUrlHostValid(url) ? token : ""),
    getAllowedHostsValidator: () => hosts,
  };
  const adapter = new GraphRequestAdapter(new BaseBearerTokenAuthenticationProvider(tokens));
  adapter.baseUrl = baseUrl;
  return createGraphServiceClient(adapter);
}

async function expectError(call, status, code) {
  try {
    await call;
  } catch (error) {
    // The SDK names Graph's `error` member `errorEscaped` (it clashes with `Error`'s own).
    const got = `${error.responseStatusCode} ${error.errorEscaped?.code}`;
    if (got !== `${status} ${code}`) throw new Error(`expected ${status} ${code}, got ${got}: ${error.message}`);
    return;
  }
  throw new Error(`expected ${status} ${code}, the call succeeded`);
}

let passed = 0;
let failed = 0;
async function check(name, body) {
  try {
    await body();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${error.message ?? error}`);
  }
}

const secret = randomBytes(32).toString("hex");
const token = execFileSync(emulatorPath, ["token", "--secret", secret, "--user", "js-sdk-user"], {
  encoding: "utf8",
}).trim();
const emulator = await startEmulator(secret);
try {
  const me = graph(`${emulator.origin}/v1.0`, token).me;
  await check("v1.0 me: no photo yet is ODataError 404 ImageNotFound", () =>
    expectError(me.photo.get(), 404, "ImageNotFound"),
  );
  const upload = JPEG.buffer.slice(JPEG.byteOffset, JPEG.byteOffset + JPEG.length);
  await check("v1.0 me: upload", () => me.photo.content.put(upload));
  await check("v1.0 me: read back byte-exact", async () => {
    const body = Buffer.from(await me.photo.content.get());
    if (!body.equals(JPEG)) throw new Error(`read ${body.length} bytes, not the ${JPEG.length} uploaded`);
  });
  await check("v1.0 me: metadata", async () => {
    const photo = await me.photo.get();
    if (photo.width !== 16 || photo.height !== 12) throw new Error(`${photo.width}x${photo.height}`);
  });
  await check("v1.0 me: delete, then ODataError 404 ImageNotFound", async () => {
    await me.photo.delete();
    await expectError(me.photo.content.get(), 404, "ImageNotFound");
  });
} finally {
  emulator.stop();
}
console.log(`msgraph-sdk (JavaScript): ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
