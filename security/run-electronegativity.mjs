#!/usr/bin/env node
// `npm run security`: runs the electronegativity scanner on src-main and fails on any HIGH or
// MEDIUM finding that security/electronegativity-allowlist.json does not accept with a reason.
// LOW and INFORMATIONAL findings are printed, not fatal. The check that looks up Electron
// releases online is left out: CI may have no network, and upgrades are Dependabot's job.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const pkgPath = require.resolve('@doyensec/electronegativity/package.json');
const bin = join(dirname(pkgPath), JSON.parse(readFileSync(pkgPath, 'utf8')).bin.electronegativity);
const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;

const out = mkdtempSync(join(tmpdir(), 'electronegativity-'));
const csv = join(out, 'findings.csv');
const run = spawnSync(
  process.execPath,
  [bin, '-i', join(root, 'src-main'), '-r', '-o', csv, '-e', electronVersion, '-x', 'AvailableSecurityFixesGlobalCheck'],
  { cwd: root, encoding: 'utf8' },
);
if (!existsSync(csv)) {
  console.error(`electronegativity wrote no report (exit ${run.status}):\n${run.stdout}\n${run.stderr}`);
  process.exit(1);
}
const findings = parseCsv(readFileSync(csv, 'utf8'));
rmSync(out, { recursive: true, force: true });

const allowlist = JSON.parse(readFileSync(join(root, 'security', 'electronegativity-allowlist.json'), 'utf8')).accepted;
for (const entry of allowlist) {
  if (!entry.check || !entry.file || !entry.reason || entry.reason.trim().length < 20) {
    console.error(`Allowlist entry without a real reason: ${JSON.stringify(entry)}`);
    process.exit(1);
  }
}

const used = new Set();
let unexplained = 0;
for (const f of findings) {
  const serious = f.severity === 'HIGH' || f.severity === 'MEDIUM';
  const accepted = allowlist.findIndex((a) => a.check === f.issue && a.file === f.filename);
  if (accepted >= 0) used.add(accepted);
  const verdict = !serious ? 'note' : accepted >= 0 ? 'accepted' : 'FAIL';
  if (verdict === 'FAIL') unexplained++;
  console.log(`${verdict.padEnd(8)} ${f.severity.padEnd(6)} ${f.issue} ${f.filename}:${f.location}  ${f.description}`);
}
allowlist.forEach((a, i) => {
  if (!used.has(i)) console.warn(`warning: allowlist entry ${a.check} ${a.file} matches no finding any more; remove it`);
});
console.log(`electronegativity ${electronVersion}: ${findings.length} findings, ${unexplained} HIGH/MEDIUM not explained in the allowlist`);
process.exit(unexplained === 0 ? 0 : 1);

/** The scanner's CSV: a header row, then quoted or bare fields separated by commas. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else if (c !== '\r') field += c;
  }
  if (field !== '' || row.length) rows.push([...row, field]);
  const [header, ...body] = rows.filter((r) => r.some((f) => f.trim() !== ''));
  const names = header.map((h) => h.trim());
  return body.map((r) => Object.fromEntries(names.map((n, i) => [n, (r[i] ?? '').trim()])));
}
