#!/usr/bin/env node
// Drives the web page in headless Chromium (Debian's, through playwright-core: no browser
// download) and prints what the page shows as JSON; python/tests/test_web.py checks it
// against Python's predict.
//
//   node web/e2e.js '{"page": URL, "rpc": URL, "address": 0x…, "sample": 3, "drawn": [[r, c], …],
//                     "stagedGas": N, "errors": {"name": {"rpc": URL, "address": 0x…}},
//                     "screenshot": PATH}'

"use strict";

const { chromium } = require("playwright-core");

const TIMEOUT = 20_000; // ms for any one thing the page does

/** The page's bar chart: per output, the fixed-point int, the float and the text shown. */
async function chart(page, pixels) {
  await page.waitForSelector(`#chart[data-pixels="${pixels.join(",")}"]`, { timeout: TIMEOUT });
  return page.$eval("#chart", (chart) => ({
    argmax: Number(chart.dataset.argmax),
    highlighted: [...chart.querySelectorAll(".bar.top")].map((bar) => Number(bar.dataset.index)),
    fixed: [...chart.querySelectorAll(".bar")].map((bar) => bar.dataset.fixed),
    values: [...chart.querySelectorAll(".bar")].map((bar) => Number(bar.dataset.value)),
    shown: [...chart.querySelectorAll(".bar .value")].map((span) => span.textContent),
    run: document.getElementById("run").textContent,
  }));
}

async function open(page, base, params) {
  await page.goto(`${base}?${new URLSearchParams(params)}`);
  await page.waitForSelector("body[data-ready]", { timeout: TIMEOUT });
}

async function pickSample(page, label) {
  const pixels = await page.$eval(`#samples button[data-label="${label}"]`, (button) => {
    button.click();
    return [...document.querySelectorAll("#grid div")].map((cell) => Number(cell.dataset.value));
  });
  return { pixels, ...(await chart(page, pixels)) };
}

async function main() {
  const config = JSON.parse(process.argv[2]);
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium" });
  const result = { errors: {} };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    page.on("pageerror", (error) => (result.pageErrors = [...(result.pageErrors || []), error.message]));
    await open(page, config.page, { rpc: config.rpc, address: config.address });
    result.facts = await page.$$eval("[data-fact]", (cells) => Object.fromEntries(cells.map((c) => [c.dataset.fact, c.textContent])));
    result.status = await page.textContent("#status");
    result.sample = await pickSample(page, config.sample);

    await page.click("#clear");
    const cells = await page.$$("#grid div");
    for (const [row, column] of config.drawn) await cells[8 * row + column].click();
    const drawn = await page.$$eval("#grid div", (all) => all.map((cell) => Number(cell.dataset.value)));
    await page.click("#predict");
    result.drawn = { pixels: drawn, ...(await chart(page, drawn)) };
    await page.screenshot({ path: config.screenshot, fullPage: true });

    await open(page, config.page, { rpc: config.rpc, address: config.address, gas: config.stagedGas });
    result.staged = await pickSample(page, config.sample);

    for (const [name, params] of Object.entries(config.errors)) {
      await open(page, config.page, params);
      await page.waitForSelector("#error:not([hidden])", { timeout: TIMEOUT });
      result.errors[name] = { error: await page.textContent("#error"), predictDisabled: await page.isDisabled("#predict") };
    }
  } finally {
    await browser.close();
  }
  console.log(JSON.stringify(result));
}

main().catch((error) => {
  console.error(`error: ${error.message}`);
  process.exit(1);
});
