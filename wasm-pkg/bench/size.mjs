// What each Rust crate costs in the .wasm: function body bytes grouped by crate, read from the
// module's code and name sections (build.sh keeps names in the unoptimized module), and the
// size of every section. Usage: node size.mjs <module.wasm> [top]
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const bytes = readFileSync(process.argv[2]);
const top = Number(process.argv[3] ?? 25);

function reader(buffer, start) {
  let pos = start;
  return {
    get pos() { return pos; },
    set pos(value) { pos = value; },
    byte: () => buffer[pos++],
    u32() {
      let result = 0;
      let shift = 0;
      let b;
      do {
        b = buffer[pos++];
        result += (b & 0x7f) * 2 ** shift;
        shift += 7;
      } while (b & 0x80);
      return result;
    },
    name() {
      const length = this.u32();
      const text = buffer.subarray(pos, pos + length).toString('utf8');
      pos += length;
      return text;
    },
  };
}

const sections = [];
const r = reader(bytes, 8);
let importedFunctions = 0;
let bodies = [];
const names = new Map();
const SECTION_NAMES = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global',
  'export', 'start', 'element', 'code', 'data', 'datacount'];

while (r.pos < bytes.length) {
  const id = r.byte();
  const size = r.u32();
  const start = r.pos;
  let label = SECTION_NAMES[id] ?? `section ${id}`;
  if (id === 0) label = `custom:${r.name()}`;
  if (id === 2) {
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      r.name();
      r.name();
      const kind = r.byte();
      if (kind === 0) { importedFunctions++; r.u32(); }
      else if (kind === 1) { r.byte(); const flags = r.u32(); r.u32(); if (flags & 1) r.u32(); }
      else if (kind === 2) { const flags = r.u32(); r.u32(); if (flags & 1) r.u32(); }
      else if (kind === 3) { r.byte(); r.byte(); }
      else if (kind === 4) { r.byte(); r.u32(); }
    }
  }
  if (id === 10) {
    const count = r.u32();
    bodies = new Array(count);
    for (let i = 0; i < count; i++) {
      const length = r.u32();
      bodies[i] = length;
      r.pos += length;
    }
  }
  if (label === 'custom:name') {
    while (r.pos < start + size) {
      const sub = r.byte();
      const subSize = r.u32();
      const subEnd = r.pos + subSize;
      if (sub === 1) {
        const count = r.u32();
        for (let i = 0; i < count; i++) {
          const index = r.u32();
          names.set(index, r.name());
        }
      }
      r.pos = subEnd;
    }
  }
  sections.push({ label, size });
  r.pos = start + size;
}

// `_ZN10jsonschema8keywords…` (legacy), `_ZN…$LT$serde_json..Value$u20$as…` (an impl, counted
// for its type's crate) and `_RNv…C…8dlmalloc…` (v0) → the crate name.
function crateOf(name) {
  if (name.startsWith('_R')) {
    const root = /C(?:s[0-9A-Za-z]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)/.exec(name);
    return root ? root[2].slice(0, Number(root[1])) : '(other)';
  }
  let text = name;
  const legacy = /^_ZN(\d+)(.*)$/.exec(name);
  if (legacy) text = legacy[2].slice(0, Number(legacy[1]));
  for (let before = ''; before !== text;) {
    before = text;
    text = text.replace(/^(_|\$LT\$|\$RF\$|\$BP\$|\$u20\$|mut|dyn|[<&*\s(\[])/, '');
  }
  const crate = /^([A-Za-z_][A-Za-z0-9_]*)/.exec(text)?.[1];
  if (!crate) return '(other)';
  if (/^__wbg|^__wbindgen|^__externref|^wasm_bindgen/.test(crate)) return 'wasm_bindgen';
  return crate;
}

const byCrate = new Map();
const samples = new Map();
bodies.forEach((length, i) => {
  const name = names.get(i + importedFunctions);
  const crate = name ? crateOf(name) : '(unnamed)';
  byCrate.set(crate, (byCrate.get(crate) ?? 0) + length);
  if (process.env.SAMPLE === crate && length > 2000) console.log(length, name);
});

const total = bytes.length;
console.log(`module: ${process.argv[2]}`);
console.log(`size: ${total} bytes raw, ${gzipSync(bytes, { level: 9 }).length} gzipped`);
console.log('\nsections:');
for (const { label, size } of sections) console.log(`  ${label.padEnd(32)} ${String(size).padStart(9)}`);
console.log(`\ncode by crate (top ${top}):`);
const rows = [...byCrate.entries()].sort((a, b) => b[1] - a[1]);
for (const [crate, size] of rows.slice(0, top)) {
  console.log(`  ${crate.padEnd(32)} ${String(size).padStart(9)}  ${(100 * size / total).toFixed(1)}%`);
}
const rest = rows.slice(top).reduce((n, [, size]) => n + size, 0);
if (rest) console.log(`  ${'(the rest)'.padEnd(32)} ${String(rest).padStart(9)}`);
