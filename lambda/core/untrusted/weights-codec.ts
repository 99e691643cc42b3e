/**
 * The shipped encoding of the injection model's quantised weights. Most of the 2^FEATURE_BITS buckets are zero
 * (unseen in training, or shrunk to nothing by L2), so only the non-zero ones are stored: for each, the run of
 * zero buckets before it (unsigned LEB128), then all their signed-byte weights; raw DEFLATE over that, base64.
 * The same signed bytes come back bit for bit, so scores are those of the dense table, at about a third of its
 * size in every bundle that scores text. Decoded once, when model.ts loads.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

/** Names the encoding in model-weights.json, so a file in another encoding is refused rather than misread. */
export const WEIGHTS_ENCODING = 'sparse-leb128-gaps+int8-values, raw deflate, base64';

/** Encodes a dense table of signed-byte weights (bench/train-injection-model.ts writes the result). */
export function encodeWeights(dense: Int8Array): string {
  const gaps: number[] = [];
  const values: number[] = [];
  let zeros = 0;
  for (const w of dense) {
    if (w === 0) {
      zeros++;
      continue;
    }
    for (; zeros >= 0x80; zeros >>>= 7) gaps.push((zeros & 0x7f) | 0x80);
    gaps.push(zeros);
    values.push(w & 0xff);
    zeros = 0;
  }
  const header = Buffer.alloc(8);
  header.writeUInt32LE(dense.length, 0);
  header.writeUInt32LE(values.length, 4);
  return deflateRawSync(Buffer.concat([header, Buffer.from(gaps), Buffer.from(values)]), { level: 9 }).toString('base64');
}

/** The dense table back from `encodeWeights`; throws on a truncated or inconsistent encoding. */
export function decodeWeights(encoded: string): Int8Array {
  const raw = inflateRawSync(Buffer.from(encoded, 'base64'));
  const size = raw.readUInt32LE(0);
  const count = raw.readUInt32LE(4);
  const dense = new Int8Array(size);
  let at = 8;
  let bucket = -1;
  const valuesAt = raw.length - count;
  for (let k = 0; k < count; k++) {
    let gap = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= valuesAt) throw new Error('model weights: truncated bucket gaps');
      const byte = raw[at++];
      gap += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    bucket += gap + 1;
    if (bucket >= size) throw new Error('model weights: a bucket lies beyond the table');
    dense[bucket] = (raw[valuesAt + k] << 24) >> 24;
  }
  if (at !== valuesAt) throw new Error('model weights: gaps and values disagree in count');
  return dense;
}
