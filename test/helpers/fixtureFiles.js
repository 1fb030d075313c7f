// The shared fixtures (test/fixtures/<case>.json, written by scripts/make_fixtures.py from
// scripts/fixture_cases/): finding and reading them, and their decimal strings as BigInts.
const fs = require("fs");
const path = require("path");

// ETERNAL_FIXTURES points the fixture tests at another directory (e.g. a scratch run).
const FIXTURES = process.env.ETERNAL_FIXTURES || path.join(__dirname, "..", "fixtures");
const FIXTURE_FORMAT = "eternal-fixture/1";

/** The parsed fixture `test/fixtures/<name>.json`. */
function readFixture(name) {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), "utf8"));
}

/** Every model fixture's name (file name without .json), sorted; other JSON files are skipped. */
function fixtureNames() {
  if (!fs.existsSync(FIXTURES)) return [];
  return fs
    .readdirSync(FIXTURES)
    .filter((file) => file.endsWith(".json"))
    .map((file) => file.slice(0, -".json".length))
    .filter((name) => readFixture(name).format === FIXTURE_FORMAT)
    .sort();
}

/** Fixture names whose plan uses one of `contracts` (any precision), sorted. */
function fixturesUsing(contracts) {
  return fixtureNames().filter((name) => readFixture(name).plan.layers.some((layer) => contracts.includes(layer.contract)));
}

/** The fixture names of a case at int32, int16 and int8. */
function fixtureVariants(name) {
  return [name, `${name}_int16`, `${name}_int8`];
}

/** Decimal strings as BigInts. */
const bigs = (strings) => strings.map((s) => BigInt(s));

/** A fixture sample's inputs as BigInt arrays, one per model input. */
function sampleInputs(sample) {
  return sample.inputs.map(bigs);
}

module.exports = { FIXTURES, readFixture, fixtureNames, fixturesUsing, fixtureVariants, bigs, sampleInputs };
