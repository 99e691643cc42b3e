import fc from 'fast-check';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeWeights, encodeWeights } from '../../../lambda/core/untrusted/weights-codec';

/** Sparse tables like the trained one: mostly zeros, with zero runs both shorter and longer than one LEB128 byte. */
const sparseTable = fc
  .array(fc.tuple(fc.oneof(fc.nat(40), fc.nat(20_000)), fc.integer({ min: -128, max: 127 })), { maxLength: 30 })
  .map((runs) => Int8Array.from(runs.flatMap(([zeros, w]) => [...new Array<number>(zeros).fill(0), w])));

describe('injection model weights codec', () => {
  it('gives back every signed byte of the dense table', () => {
    fc.assert(
      fc.property(sparseTable, (dense) => {
        // Act
        const decoded = decodeWeights(encodeWeights(dense));

        // Assess
        expect(decoded.length).toBe(dense.length);
        expect(Buffer.from(decoded.buffer).equals(Buffer.from(dense.buffer))).toBe(true);
      }),
    );
  });

  it('stores a mostly-zero table in a small fraction of its dense size', () => {
    // Prepare
    const dense = new Int8Array(1 << 16);
    for (let i = 0; i < dense.length; i += 5) dense[i] = ((i * 7919) % 255) - 127;

    // Act
    const encoded = encodeWeights(dense);

    // Assess
    expect(Buffer.from(encoded, 'base64').length).toBeLessThan(dense.length / 2);
  });

  it('refuses an encoding whose gaps run past the table or into the values', () => {
    // Prepare
    const raw = inflateRawSync(Buffer.from(encodeWeights(Int8Array.from([0, 0, 5, 0, -3])), 'base64'));
    const shrunk = Buffer.from(raw);
    shrunk.writeUInt32LE(3, 0); // the table now ends before the second weight
    const miscounted = Buffer.from(raw);
    miscounted.writeUInt32LE(1, 4); // one value claimed, two gaps present
    const reencode = (b: Buffer) => deflateRawSync(b).toString('base64');

    // Act + Assess
    expect(() => decodeWeights(reencode(shrunk))).toThrow(/beyond the table/);
    expect(() => decodeWeights(reencode(miscounted))).toThrow(/disagree in count/);
  });
});
