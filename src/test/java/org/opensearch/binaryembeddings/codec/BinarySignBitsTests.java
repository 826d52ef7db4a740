package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.tests.util.LuceneTestCase;

import java.util.BitSet;

/** Sign packing, the bit similarities and the int8 rescoring records, each against a plain reference. */
public class BinarySignBitsTests extends LuceneTestCase {

    /** The packing rule written the slow, obvious way: one '0'/'1' character per bit, then 8 characters per byte. */
    private static byte[] referencePack(float[] v, int binaryDims) {
        StringBuilder bits = new StringBuilder();
        for (int i = 0; i < binaryDims; i++) {
            bits.append(i < v.length && v[i] > 0 ? '1' : '0');
        }
        byte[] out = new byte[binaryDims / 8];
        for (int b = 0; b < out.length; b++) {
            out[b] = (byte) Integer.parseInt(bits.substring(b * 8, b * 8 + 8), 2);
        }
        return out;
    }

    private static BitSet toBitSet(byte[] packed) {
        BitSet set = new BitSet();
        for (int i = 0; i < packed.length * 8; i++) {
            if ((packed[i / 8] & (0x80 >>> (i % 8))) != 0) {
                set.set(i);
            }
        }
        return set;
    }

    private float[] randomVector(int dims) {
        float[] v = new float[dims];
        for (int i = 0; i < dims; i++) {
            v[i] = switch (random().nextInt(8)) {
                case 0 -> 0f;
                case 1 -> -0f;
                case 2 -> Float.MIN_VALUE;
                case 3 -> -Float.MIN_VALUE;
                default -> (float) random().nextGaussian();
            };
        }
        return v;
    }

    public void testPackMatchesReference() {
        for (int iter = 0; iter < 500; iter++) {
            int dims = 1 + random().nextInt(1100);
            float[] v = randomVector(dims);
            int binaryDims = 8 * (1 + random().nextInt((dims + 7) / 8 + 2)); // also more bits than dims: zero padding
            byte[] out = new byte[binaryDims / 8 + random().nextInt(3)];
            SignBits.pack(v, binaryDims, out);
            byte[] expected = referencePack(v, binaryDims);
            for (int i = 0; i < expected.length; i++) {
                assertEquals("dims=" + dims + " binaryDims=" + binaryDims + " byte " + i, expected[i], out[i]);
            }
            assertArrayEquals(expected, SignBits.pack(v, binaryDims));
        }
    }

    public void testPackIsMsbFirstLikeNumpyPackbits() {
        // numpy.packbits([1,0,0,0,0,0,0,1, 0,1,1,0,0,0,0,0]) == [129, 96]
        float[] v = { 1, 0, 0, 0, 0, 0, 0, 2, -1, 3, 4, -5, 0, 0, 0, 0 };
        assertArrayEquals(new byte[] { (byte) 129, 96 }, SignBits.pack(v, 16));
        // only the leading binary dims count
        assertArrayEquals(new byte[] { (byte) 129 }, SignBits.pack(v, 8));
        // NaN, zero and negative zero give 0 bits
        assertArrayEquals(new byte[] { 0 }, SignBits.pack(new float[] { Float.NaN, 0f, -0f, -1f, 0, 0, 0, 0 }, 8));
    }

    public void testPackRejectsBadSizes() {
        expectThrows(IllegalArgumentException.class, () -> SignBits.pack(new float[16], 12));
        expectThrows(IllegalArgumentException.class, () -> SignBits.pack(new float[16], 0));
        expectThrows(IllegalArgumentException.class, () -> SignBits.pack(new float[16], 16, new byte[1]));
    }

    public void testBitSimilaritiesMatchReference() {
        for (int iter = 0; iter < 1000; iter++) {
            int bytes = 1 + random().nextInt(70); // odd lengths exercise the tail after the 8-byte strides
            byte[] a = new byte[bytes], b = new byte[bytes];
            random().nextBytes(a);
            random().nextBytes(b);
            if (random().nextInt(10) == 0) {
                java.util.Arrays.fill(a, (byte) 0);
            }
            if (random().nextInt(10) == 0) {
                java.util.Arrays.fill(b, (byte) 0);
            }
            BitSet x = toBitSet(a), y = toBitSet(b);
            BitSet xor = (BitSet) x.clone();
            xor.xor(y);
            BitSet and = (BitSet) x.clone();
            and.and(y);
            BitSet or = (BitSet) x.clone();
            or.or(y);
            int bits = bytes * 8;
            assertEquals(xor.cardinality(), SignBits.hammingDistance(a, b));
            assertEquals(1f - xor.cardinality() / (float) bits, BitSimilarity.HAMMING.score(a, b), 1e-6f);
            float jaccard = or.isEmpty() ? 1f : and.cardinality() / (float) or.cardinality();
            assertEquals(jaccard, BitSimilarity.JACCARD.score(a, b), 1e-6f);
        }
        assertEquals(1f, BitSimilarity.JACCARD.score(new byte[4], new byte[4]), 0f);
        assertEquals(0f, BitSimilarity.HAMMING.score(new byte[] { -1 }, new byte[] { 0 }), 0f);
    }

    public void testAttributeValues() {
        assertSame(BitSimilarity.JACCARD, BitSimilarity.fromAttribute("jaccard"));
        assertSame(BitSimilarity.HAMMING, BitSimilarity.fromAttribute("Hamming"));
        assertSame(RescorePrecision.INT8, RescorePrecision.fromAttribute("int8"));
        expectThrows(IllegalArgumentException.class, () -> BitSimilarity.fromAttribute("cosine"));
        expectThrows(IllegalArgumentException.class, () -> RescorePrecision.fromAttribute("float16"));
        for (BitSimilarity s : BitSimilarity.values()) {
            assertSame(s, BitSimilarity.fromGraphTag(s.graphTag()));
        }
    }

    public void testInt8RecordsRestoreWithinHalfAStepAndAreStable() {
        for (int iter = 0; iter < 300; iter++) {
            int dims = 1 + random().nextInt(800);
            float[] v = new float[dims];
            float scale = random().nextFloat() * 4;
            for (int i = 0; i < dims; i++) {
                v[i] = (float) random().nextGaussian() * scale;
            }
            byte[] record = new byte[RescorePrecision.INT8.recordBytes(dims)];
            RescorePrecision.INT8.encode(v, record);
            float[] restored = new float[dims];
            RescorePrecision.INT8.decode(record, restored);
            float lo = Float.MAX_VALUE, hi = -Float.MAX_VALUE;
            for (float x : v) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
            float halfStep = (hi - lo) / 255f / 2f;
            for (int i = 0; i < dims; i++) {
                assertEquals("dim " + i, v[i], restored[i], halfStep * 1.001f + 1e-7f);
            }
            // a merge quantizes restored values again: the codes must not drift
            byte[] again = new byte[record.length];
            RescorePrecision.INT8.encode(restored, again);
            for (int i = 0; i < dims; i++) {
                assertEquals("code " + i, record[i], again[i]);
            }
        }
    }

    public void testFloat32RecordsAreExact() {
        float[] v = { 1.5f, -0f, Float.MIN_VALUE, -3.25e7f, 0.1f };
        byte[] record = new byte[RescorePrecision.FLOAT32.recordBytes(v.length)];
        RescorePrecision.FLOAT32.encode(v, record);
        float[] out = new float[v.length];
        RescorePrecision.FLOAT32.decode(record, out);
        assertArrayEquals(v, out, 0f);
    }
}
