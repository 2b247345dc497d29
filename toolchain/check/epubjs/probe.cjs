"use strict";
// Opens an EPUB in epub.js in headless Chromium, as a reader on a phone and on a tablet would,
// in epub.js's default text/html injection and as XHTML, and prints what it measured as JSON.
//
//   node probe.cjs BOOK.epub SCREENSHOT_DIR [html-360x640 ...]
//
// With views named, only those are probed; by default, both modes at both sizes.
// EPUBJS_MODULES names the node_modules folder (epubjs, jszip, puppeteer-core, versions pinned
// in package-lock.json); CHROMIUM the browser (Debian's; nothing is downloaded).
const fs = require("fs");
const http = require("http");
const path = require("path");

const [epubPath, shotDir, ...only] = process.argv.slice(2);
const modules = process.env.EPUBJS_MODULES || path.join(__dirname, "node_modules");
const puppeteer = require(path.join(modules, "puppeteer-core"));
const SIZES = [[360, 640], [768, 1024]];
const MODES = ["html", "xhtml"];
const FILES = {
  "/": [path.join(__dirname, "reader.html"), "text/html"],
  "/book.epub": [epubPath, "application/epub+zip"],
  "/lib/epub.min.js": [path.join(modules, "epubjs", "dist", "epub.min.js"), "text/javascript"],
  "/lib/jszip.min.js": [path.join(modules, "jszip", "dist", "jszip.min.js"), "text/javascript"],
};

function serve() {
  const server = http.createServer((request, response) => {
    const file = FILES[new URL(request.url, "http://localhost").pathname];
    if (!file) {
      response.writeHead(404);
      response.end();
      return;
    }
    response.writeHead(200, { "Content-Type": file[1] });
    fs.createReadStream(file[0]).pipe(response);
  });
  return new Promise(resolve => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function probeOne(browser, port, mode, width, height) {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", error => errors.push(String(error.message || error)));
  await page.setViewport({ width, height });
  await page.goto(`http://127.0.0.1:${port}/?mode=${mode}`);
  const spine = await page.evaluate(() => window.opened);
  await page.addScriptTag({ path: path.join(__dirname, "probe-page.js") });
  const name = `${mode}-${width}x${height}`;
  const folder = path.join(shotDir, name);
  fs.mkdirSync(folder, { recursive: true });
  const counted = ["calls", "raised", "smaller", "listItems", "doubledLists", "quotes",
                   "flatQuotes", "verseLines", "joinedVerse", "tables", "wideTables"];
  const result = { mode, width, height, spine, reached: 0, cutOffAt200: 0, problems: [],
                   screenshots: [] };
  counted.forEach(key => { result[key] = 0; });
  const add = (index, found) => {
    for (const key of counted) {
      result[key] += found[key] || 0;
    }
    result.problems.push(...found.problems.map(p => `spine ${index + 1}: ${p}`));
  };
  for (let index = 0; index < spine; index++) {
    await page.evaluate(i => probe.show(book.spine.get(i).href), index);
    const shot = path.join(folder, `${String(index + 1).padStart(2, "0")}.png`);
    await page.screenshot({ path: shot });
    result.screenshots.push(shot);
    const found = await page.evaluate(() => probe.measure(true));
    found.problems = found.problems.filter(p => !/cut off/.test(p)).concat(
      found.cutOff ? [`${found.cutOff} block(s) cut off at normal size`] : []);
    add(index, found);
    const calls = await page.evaluate(() => probe.callCount());
    for (let k = 0; k < calls; k++) {
      const problem = await page.evaluate((i, n) => probe.tap(i, n), index, k);
      if (problem) result.problems.push(`spine ${index + 1}: ${problem}`);
      else result.reached += 1;
    }
  }
  for (const [label, selector] of [["table", ".table-wrap"], ["quotation", "blockquote"], ["note-call", 'a[role="doc-noteref"]'], ["verse", ".stanza"], ["figure", "figure"]]) {
    for (let index = 0; index < spine; index++) {
      if (await page.evaluate((i, s) => probe.showElement(i, s), index, selector)) {
        const shot = path.join(folder, `${label}.png`);
        await page.screenshot({ path: shot });
        result.screenshots.push(shot);
        break;
      }
    }
  }
  await page.evaluate(() => rendition.themes.fontSize("200%"));
  for (let index = 0; index < spine; index++) {
    await page.evaluate(i => probe.show(book.spine.get(i).href), index);
    const found = await page.evaluate(() => probe.measure(false));
    result.cutOffAt200 += found.cutOff + found.wideTables;
    result.problems.push(...found.problems.map(p => `spine ${index + 1}, text at 200 %: ${p}`));
  }
  result.scriptErrors = errors.concat(await page.evaluate(() => window.scriptErrors));
  await page.close();
  return result;
}

async function main() {
  const server = await serve();
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none"],
  });
  const results = [];
  try {
    for (const mode of MODES) {
      for (const [width, height] of SIZES) {
        if (only.length && !only.includes(`${mode}-${width}x${height}`)) continue;
        results.push(await probeOne(browser, server.address().port, mode, width, height));
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  process.stdout.write(JSON.stringify(results, null, 1) + "\n");
}

main().catch(error => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exit(1);
});
