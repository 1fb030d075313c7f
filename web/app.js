// The page: connect to a node and a model, draw or pick an 8x8 digit, show the prediction.
// Query parameters preset the form: ?rpc=URL&address=0x…&gas=N (N: the gas each eth_call
// carries; the node's own cap when absent).

import { PageError, openModel } from "./eternal.js";

const SIDE = 8; // the demo model's 8x8 images, pixels 0..16 (scikit-learn's digits)
const INK = 16;
const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const pixels = new Array(SIDE * SIDE).fill(0);
let model = null;

function showError(error) {
  const message = error instanceof PageError ? error.message : `Unexpected error: ${error?.shortMessage ?? error?.message ?? error}`;
  $("error").textContent = message;
  $("error").hidden = false;
  if (!(error instanceof PageError)) console.error(error);
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

// ---------------------------------------------------------------- the grid

function paintGrid() {
  $("grid").querySelectorAll("div").forEach((cell, n) => {
    cell.dataset.value = pixels[n];
    cell.style.background = `hsl(0 0% ${100 - (pixels[n] / INK) * 100}%)`;
  });
}

function setPixels(values) {
  values.forEach((v, n) => (pixels[n] = v));
  paintGrid();
  clearChart();
}

function buildGrid() {
  const grid = $("grid");
  for (let n = 0; n < SIDE * SIDE; n += 1) grid.append(Object.assign(document.createElement("div"), { title: `${Math.floor(n / SIDE)},${n % SIDE}` }));
  let ink = null; // INK while drawing, 0 while erasing, null between strokes
  const touch = (event) => {
    const n = [...grid.children].indexOf(event.target);
    if (ink === null || n < 0 || pixels[n] === ink) return;
    pixels[n] = ink;
    paintGrid();
    clearChart();
  };
  grid.addEventListener("pointerdown", (event) => {
    const n = [...grid.children].indexOf(event.target);
    if (n < 0) return;
    ink = pixels[n] === INK ? 0 : INK;
    touch(event);
  });
  grid.addEventListener("pointerover", touch);
  window.addEventListener("pointerup", () => (ink = null));
  paintGrid();
}

async function buildSamples() {
  const samples = await (await fetch("samples.json")).json();
  for (const sample of samples) {
    const canvas = Object.assign(document.createElement("canvas"), { width: SIDE, height: SIDE });
    const image = canvas.getContext("2d").createImageData(SIDE, SIDE);
    sample.pixels.flat().forEach((v, n) => {
      image.data.fill(255 - Math.round((v / INK) * 255), 4 * n, 4 * n + 3);
      image.data[4 * n + 3] = 255;
    });
    canvas.getContext("2d").putImageData(image, 0, 0);
    const button = Object.assign(document.createElement("button"), { type: "button", title: `test image of a ${sample.label}` });
    button.dataset.label = sample.label;
    button.append(canvas);
    button.addEventListener("click", () => {
      setPixels(sample.pixels.flat());
      if (model) predict();
    });
    $("samples").append(button);
  }
}

// ---------------------------------------------------------------- model and prediction

function clearChart() {
  $("chart").replaceChildren();
  delete $("chart").dataset.pixels;
  $("run").textContent = "";
}

function showFacts(facts) {
  document.querySelectorAll("[data-fact]").forEach((cell) => (cell.textContent = facts ? String(facts[cell.dataset.fact]) : "—"));
}

async function connect(event) {
  event?.preventDefault();
  clearError();
  clearChart();
  model = null;
  $("predict").disabled = true;
  showFacts(null);
  const url = $("rpc").value.trim();
  const gas = query.get("gas") ? Number(query.get("gas")) : null;
  $("status").textContent = `Connecting to ${url} …`;
  try {
    model = await openModel(url, $("address").value.trim(), gas);
    showFacts(model.facts());
    if (model.inputSize() !== SIDE * SIDE) {
      throw new PageError(`This page draws ${SIDE}×${SIDE} images; this model takes ${model.facts().shapes.split(" → ")[0]}`);
    }
    $("predict").disabled = false;
    $("status").textContent = `Connected: chain ${model.chain}${gas ? `, ${gas.toLocaleString("en")} gas per call` : ""}.`;
  } catch (error) {
    if (error.model) showFacts(error.model.facts());
    model = null;
    $("status").textContent = "";
    showError(error);
  }
}

async function predict() {
  clearError();
  const input = [...pixels];
  $("predict").disabled = true;
  $("run").textContent = "Running on chain …";
  try {
    const { outputs, calls } = await model.predict(input);
    showChart(outputs[0], input);
    $("run").textContent = `${calls.length} eth_call${calls.length > 1 ? "s" : ""}: ${calls.join("; ")}`;
  } catch (error) {
    $("run").textContent = "";
    showError(error);
  } finally {
    $("predict").disabled = !model;
  }
}

function showChart({ fixed, values }, input) {
  const top = values.indexOf(Math.max(...values)); // the first largest, as numpy's argmax
  const largest = Math.max(...values.map(Math.abs), 1e-12);
  $("chart").replaceChildren(
    ...values.map((value, k) => {
      const bar = document.createElement("div");
      bar.className = k === top ? "bar top" : "bar";
      Object.assign(bar.dataset, { index: k, fixed: fixed[k].toString(), value: String(value) });
      bar.innerHTML = `<span class="label">${k}</span><span class="track"><span class="fill"></span></span><span class="value"></span>`;
      bar.querySelector(".fill").style.width = `${Math.max(0, value / largest) * 100}%`;
      bar.querySelector(".fill").style.display = "block";
      bar.querySelector(".value").textContent = value.toFixed(6);
      return bar;
    }),
  );
  $("chart").dataset.pixels = input.join(",");
  $("chart").dataset.argmax = top;
}

async function start() {
  buildGrid();
  $("connect").addEventListener("submit", connect);
  $("clear").addEventListener("click", () => setPixels(pixels.map(() => 0)));
  $("predict").addEventListener("click", predict);
  const demo = await (await fetch("demo.json")).json().catch(() => ({}));
  $("rpc").value = query.get("rpc") ?? demo.rpcUrl ?? "http://127.0.0.1:8545";
  $("address").value = query.get("address") ?? demo.address ?? "";
  await buildSamples();
  if ($("address").value) await connect();
  else $("status").textContent = "No model address: run make demo KEEP_NODE=1, or paste one and Connect.";
  document.body.dataset.ready = "yes";
}

start().catch(showError);
