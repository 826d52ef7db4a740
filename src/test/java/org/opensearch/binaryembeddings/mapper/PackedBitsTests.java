package org.opensearch.binaryembeddings.mapper;

import org.opensearch.test.OpenSearchTestCase;

import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The one decoder of packed bits (documents with {@code input: packed} and {@code bits} in queries): every string has
 * one reading. Hex of a shorter vector whose length equals the base64 length of the field's bytes (256 bits of hex =
 * 384 bits of base64, 128/192, 512/768) used to be decoded as base64 into garbage bits.
 */
public class PackedBitsTests extends OpenSearchTestCase {

    public void testHexOfTheWrongLengthIsNeverReadAsBase64() {
        int[][] mixUps = { { 384, 256 }, { 192, 128 }, { 768, 512 } };
        for (int[] m : mixUps) {
            int bytes = m[0] / 8;
            byte[] shorter = new byte[m[1] / 8];
            random().nextBytes(shorter);
            String hex = HexFormat.of().formatHex(shorter);
            // the mix-up: this many base64 characters decode to exactly the field's bytes
            assertEquals(bytes, Base64.getDecoder().decode(hex).length);
            IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> PackedBits.decode(hex, bytes, "field [b]"));
            assertEquals(
                "field [b] must be " + (2 * bytes) + " hex digits or " + hex.length() + " base64 characters (" + bytes + " bytes, " + m[0]
                    + " bits); got " + hex.length() + " hex digits (" + shorter.length + " bytes, " + m[1] + " bits) [" + abbreviated(hex)
                    + "]; a base64 string made of hex digits only (such as all-zero bits) is read as hex: send hex or an array of bytes",
                e.getMessage()
            );
        }
    }

    public void testEachEncodingOfTheRightLengthDecodesToTheSameBits() {
        for (int bytes : new int[] { 1, 2, 3, 16, 32, 48, 96 }) {
            byte[] bits = new byte[bytes];
            random().nextBytes(bits);
            bits[0] = (byte) 0xFF; // base64 of these bytes has a '/' : never only hex digits
            assertArrayEquals(bits, PackedBits.decode(HexFormat.of().formatHex(bits), bytes, "b"));
            assertArrayEquals(bits, PackedBits.decode(HexFormat.of().formatHex(bits).toUpperCase(java.util.Locale.ROOT), bytes, "b"));
            assertArrayEquals(bits, PackedBits.decode(Base64.getEncoder().encodeToString(bits), bytes, "b"));
            assertArrayEquals(bits, PackedBits.decode(Base64.getUrlEncoder().encodeToString(bits), bytes, "b"));
            List<Integer> list = new java.util.ArrayList<>();
            for (byte b : bits) {
                list.add((int) b);
            }
            assertArrayEquals(bits, PackedBits.decode(list, bytes, "b"));
        }
    }

    public void testWrongBase64LengthNamesBothEncodings() {
        String base64 = Base64.getEncoder().encodeToString(new byte[] { -1, 1, 2, 3 });
        IllegalArgumentException e = expectThrows(IllegalArgumentException.class, () -> PackedBits.decode(base64, 2, "[bits]"));
        assertEquals("[bits] must be 4 hex digits or 4 base64 characters (2 bytes, 16 bits); got 4 bytes (32 bits) from base64 [" + base64
            + "]", e.getMessage());
    }

    private static String abbreviated(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
