package org.opensearch.binaryembeddings.rest;

/** Sign bits of a vector's leading dimensions, packed most significant bit first (numpy.packbits order), as hex. */
final class SignBits {

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private SignBits() {}

    /** Bit i of the result is {@code v[i] > 0}, for i < {@code dims} (a multiple of 8); byte j holds bits 8j..8j+7. */
    static byte[] pack(float[] v, int dims) {
        if (dims % 8 != 0 || dims > v.length || dims < 0) {
            throw new IllegalArgumentException("dims must be a multiple of 8 and at most " + v.length + ", got " + dims);
        }
        byte[] out = new byte[dims / 8];
        for (int i = 0; i < dims; i++) {
            if (v[i] > 0) {
                out[i >> 3] |= (byte) (0x80 >>> (i & 7));
            }
        }
        return out;
    }

    static String hex(float[] v, int dims) {
        byte[] bytes = pack(v, dims);
        char[] chars = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            chars[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            chars[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(chars);
    }
}
