package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.util.VectorUtil;

/**
 * Sign binarization of float vectors into packed bits, shared by the codec, the mapper and the query.
 *
 * <p>Bit {@code i} is set when {@code v[i] > 0} (so 0, -0 and NaN give 0), for {@code i < binaryDims}; bits are packed
 * most significant bit first: bit {@code i} goes to byte {@code i / 8} under mask {@code 0x80 >>> (i % 8)}, the same
 * layout as {@code numpy.packbits}. Dimensions past the end of the vector give 0 bits, so a vector may be packed into
 * more bits than it has dimensions (the padding bits are 0 in every vector and never change a ranking).
 */
public final class SignBits {

    private SignBits() {}

    /** Number of bytes that hold {@code binaryDims} packed bits; {@code binaryDims} must be a positive multiple of 8. */
    public static int byteLength(int binaryDims) {
        if (binaryDims <= 0 || binaryDims % Byte.SIZE != 0) {
            throw new IllegalArgumentException("binary dims must be a positive multiple of 8, got " + binaryDims);
        }
        return binaryDims / Byte.SIZE;
    }

    /** Packs the signs of the first {@code binaryDims} dimensions of {@code v} into the first {@code binaryDims / 8} bytes of {@code out}. */
    public static void pack(float[] v, int binaryDims, byte[] out) {
        int bytes = byteLength(binaryDims);
        if (out.length < bytes) {
            throw new IllegalArgumentException("output has " + out.length + " bytes, " + bytes + " needed for " + binaryDims + " bits");
        }
        int full = Math.min(bytes, v.length / Byte.SIZE);
        int i = 0;
        for (; i < full; i++) {
            int base = i * Byte.SIZE;
            int b = 0;
            for (int k = 0; k < Byte.SIZE; k++) {
                b = (b << 1) | (v[base + k] > 0 ? 1 : 0);
            }
            out[i] = (byte) b;
        }
        for (; i < bytes; i++) { // the last, partial byte of a vector whose length is no multiple of 8, then zero padding
            int b = 0;
            for (int k = 0; k < Byte.SIZE; k++) {
                int d = i * Byte.SIZE + k;
                b = (b << 1) | (d < v.length && v[d] > 0 ? 1 : 0);
            }
            out[i] = (byte) b;
        }
    }

    /** Packs the signs of the first {@code binaryDims} dimensions of {@code v} into a new array of {@code binaryDims / 8} bytes. */
    public static byte[] pack(float[] v, int binaryDims) {
        byte[] out = new byte[byteLength(binaryDims)];
        pack(v, binaryDims, out);
        return out;
    }

    /** Number of differing bits of two packed vectors of the same length. */
    public static int hammingDistance(byte[] a, byte[] b) {
        return VectorUtil.xorBitCount(a, b);
    }
}
