import { crc32, deflateSync } from "node:zlib";

/** A minimal PNG encoder (8-bit RGBA), enough for the project's own generated icons. */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  const raw = Buffer.alloc((width * 4 + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (width * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * width * 4, width * 4).copy(raw, y * (width * 4 + 1) + 1);
  }
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk("IHDR", header), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}

/** Width, height and colour type from a PNG's IHDR. */
export function pngInfo(png: Buffer): { width: number; height: number; colorType: number } {
  if (png.subarray(0, 8).toString("hex") !== "89504e470d0a1a0a") throw new Error("not a PNG");
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colorType: png[25]! };
}

/**
 * The coach's icon: a gear (manufacturing) around a speech dot (coaching). `outline` draws it
 * white on transparent, as Teams requires for the 32×32 outline icon.
 */
export function drawIcon(size: number, outline: boolean): Buffer {
  const px = new Uint8Array(size * size * 4);
  const c = (size - 1) / 2;
  const set = (x: number, y: number, r: number, g: number, b: number, a = 255) => {
    const i = (y * size + x) * 4;
    px[i] = r;
    px[i + 1] = g;
    px[i + 2] = b;
    px[i + 3] = a;
  };
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x - c;
      const dy = y - c;
      const d = Math.hypot(dx, dy) / size;
      const angle = Math.atan2(dy, dx);
      const teeth = Math.cos(angle * 8) > 0.3 ? 0.04 : 0;
      const gear = d < 0.3 + teeth && d > 0.17;
      const dot = d < 0.09;
      if (outline) {
        if (gear || dot) set(x, y, 255, 255, 255);
        else set(x, y, 0, 0, 0, 0);
      } else if (gear || dot) set(x, y, 255, 255, 255);
      else set(x, y, 47, 91, 211); // #2F5BD3
    }
  }
  return encodePng(size, size, px);
}
