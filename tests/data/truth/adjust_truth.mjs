// The sketch's adjust, run by a real JavaScript engine on a real
// Uint8ClampedArray (the type of canvas ImageData.data).
//
//   node adjust_truth.mjs adjust_js.bin
//
// Output: for contrast -100..=100, for brightness in BRIGHTNESS, 256 bytes:
// the adjusted value of every input value 0..=255.
import { writeFileSync } from "node:fs";

export const BRIGHTNESS = [-40, 0, 75];

function adjust(data, contrast, brightness) {
  const f = contrast / 100 + 1;
  for (let i = 0; i < data.length; i++) {
    if (i % 4 === 3) continue; // alpha untouched
    data[i] = data[i] * f + 128 * (1 - f);
  }
  for (let i = 0; i < data.length; i++) {
    if (i % 4 === 3) continue;
    data[i] = data[i] + brightness;
  }
}

const out = [];
for (let contrast = -100; contrast <= 100; contrast++) {
  for (const brightness of BRIGHTNESS) {
    const data = new Uint8ClampedArray(256 * 4);
    for (let v = 0; v < 256; v++) data.set([v, v, v, 255], v * 4);
    adjust(data, contrast, brightness);
    for (let v = 0; v < 256; v++) out.push(data[v * 4]);
  }
}
writeFileSync(process.argv[2], Uint8Array.from(out));
console.log(`wrote ${out.length} bytes`);
