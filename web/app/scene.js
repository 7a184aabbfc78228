// A deterministic moving scene for tests, benches and the page's fallback
// when there is no camera: a smooth background with lighter and darker
// rectangles (corners to track), the whole scene shifted by (dx, dy) pixels.

// Mulberry32: a small, fast, seeded generator (same numbers everywhere).
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RGBA bytes (Uint8ClampedArray) of the scene moved by (dx, dy). */
export function scene(width, height, dx = 0, dy = 0, seed = 7) {
  const grey = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = (x - dx) / width;
      const v = (y - dy) / height;
      grey[y * width + x] = 90 + 40 * Math.sin(u * 19) * Math.cos(v * 13);
    }
  }
  const random = generator(seed);
  const count = Math.ceil((width * height) / 1000);
  for (let i = 0; i < count; i++) {
    const x0 = Math.floor(random() * width) + Math.round(dx);
    const y0 = Math.floor(random() * height) + Math.round(dy);
    const w = 6 + Math.floor(random() * 24);
    const h = 6 + Math.floor(random() * 24);
    const delta = Math.floor(random() * 161) - 80;
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) {
      for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) {
        grey[y * width + x] += delta;
      }
    }
  }
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < grey.length; i++) {
    const g = grey[i];
    rgba[4 * i] = g;
    rgba[4 * i + 1] = g * 0.8;
    rgba[4 * i + 2] = 255 - g;
    rgba[4 * i + 3] = 255;
  }
  return rgba;
}
