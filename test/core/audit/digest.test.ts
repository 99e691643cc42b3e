import fc from 'fast-check';
import { LocalSigner } from '../../../lambda/adapters/local-signer';
import { buildDigest, parseDigest, signDigest, verifyDigestSignature, type DigestObject } from '../../../lambda/core/audit/digest';
import { digestKeyFor } from '../../../lambda/core/audit/keys';
import { verifyDigestChain } from '../../../lambda/core/audit/verify';

const signer = new LocalSigner('k1');
const hex = fc.stringMatching(/^[0-9a-f]{64}$/);
const object = fc.record({
  key: fc.stringMatching(/^events\/[a-z0-9]{1,12}\.json$/),
  versionId: fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,16}$/), { nil: null }),
  sha256: hex,
  size: fc.nat(100_000),
  lastModified: fc.date({ min: new Date('2020-01-01Z'), max: new Date('2030-01-01Z'), noInvalidDate: true }).map((d) => d.toISOString()),
});
const period = { start: new Date('2025-01-01T00:00:00.000Z'), end: new Date('2025-01-01T00:15:00.000Z') };
const digestOf = (objects: DigestObject[]) => buildDigest({ period, objects, previous: null, bridgeVersion: '0.1.0', keyId: signer.keyId });

describe('digest signing', () => {
  it('round-trips through its stored bytes and verifies with the signer public key', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(object, { maxLength: 8 }), async (objects) => {
        // Prepare
        const unsigned = digestOf(objects);

        // Act
        const { bytes } = await signDigest(unsigned, signer);
        const parsed = parseDigest(bytes);

        // Assess
        expect(parsed.ok).toBe(true);
        expect(parsed.ok && verifyDigestSignature(parsed.digest, await signer.publicKeyPem())).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('fails verification when any listed object hash changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(object, { minLength: 1, maxLength: 8 }), fc.nat(), hex, async (objects, i, other) => {
        // Prepare
        const { digest } = await signDigest(digestOf(objects), signer);
        const at = i % digest.objects.length;
        fc.pre(digest.objects[at].sha256 !== other);
        const tampered = { ...digest, objects: digest.objects.map((o, j) => (j === at ? { ...o, sha256: other } : o)) };

        // Act
        const ok = verifyDigestSignature(tampered, await signer.publicKeyPem());

        // Assess
        expect(ok).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('fails verification with another key', async () => {
    // Prepare
    const { digest } = await signDigest(digestOf([]), signer);

    // Act
    const ok = verifyDigestSignature(digest, await new LocalSigner('k2').publicKeyPem());

    // Assess
    expect(ok).toBe(false);
  });

  it('reports why stored bytes are not a digest', () => {
    // Act
    const results = [new TextEncoder().encode('{'), new TextEncoder().encode('{"schemaVersion":1}')].map(parseDigest);

    // Assess
    expect(results[0]).toEqual({ ok: false, reason: 'not UTF-8 JSON' });
    expect(results[1].ok).toBe(false);
  });
});

describe('verifyDigestChain', () => {
  it('flags an event key that holds a second version, even when both versions are digested', async () => {
    // Prepare
    const v = (versionId: string, sha256: string) => ({ key: 'events/a.json', versionId, sha256, size: 1, lastModified: '2025-01-01T00:01:00.000Z' });
    const { digest, bytes } = await signDigest(digestOf([v('v1', 'a'.repeat(64)), v('v2', 'b'.repeat(64))]), signer);
    const observed = digest.objects.map((o) => ({ ...o, lastModified: new Date(o.lastModified), eventKey: o.key }));

    // Act
    const report = verifyDigestChain({
      publicKeyPem: await signer.publicKeyPem(),
      digests: [{ key: digestKeyFor(period), bytes }],
      objects: observed,
      range: { from: period.start, to: period.end },
      now: period.end,
    });

    // Assess
    expect(report.problems.map((p) => p.code)).toEqual(['OBJECT_REWRITTEN']);
    expect(report.problems[0].message).toBe('events/a.json has 2 versions: it was overwritten after it was written');
  });
});
