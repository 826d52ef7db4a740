package org.opensearch.binaryembeddings.mapper;

import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Decodes pre-packed sign bits sent by clients (documents with {@code "input": "packed"} and {@code bits} in queries):
 * a hex string, a base64 string, or a list of signed bytes. Bit i of the vector is bit {@code 0x80 >>> (i % 8)} of
 * byte {@code i / 8}, the order numpy's {@code packbits} uses.
 */
public final class PackedBits {

    private PackedBits() {}

    /**
     * Decodes {@code value} into exactly {@code bytes} bytes. A string of hex digits only is hex and must have exactly
     * {@code 2 × bytes} of them; any other string is base64 (standard or URL-safe alphabet) of exactly {@code bytes}
     * bytes. The one decoder for documents ({@code input: packed}) and for {@code bits} in queries.
     *
     * @param what names the field or parameter in error messages
     */
    public static byte[] decode(Object value, int bytes, String what) {
        if (value instanceof String s) {
            return decodeString(s, bytes, what);
        }
        if (value instanceof List<?> list) {
            if (list.size() != bytes) {
                throw new IllegalArgumentException(what + " expects an array of " + bytes + " signed bytes, got " + list.size());
            }
            byte[] out = new byte[bytes];
            for (int i = 0; i < bytes; i++) {
                out[i] = toByte(list.get(i), what);
            }
            return out;
        }
        throw new IllegalArgumentException(
            what + " must be a hex string, a base64 string or an array of " + bytes + " signed bytes, got [" + value + "]"
        );
    }

    static byte toByte(Object o, String what) {
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue()) && n.doubleValue() >= -128 && n.doubleValue() <= 127) {
            return (byte) n.intValue();
        }
        throw new IllegalArgumentException(what + " must hold signed bytes (integers in [-128, 127]), got [" + o + "]");
    }

    private static byte[] decodeString(String s, int bytes, String what) {
        // A string of hex digits only is always read as hex, whatever its length: base64 of another length could decode
        // the same characters to the expected number of bytes (64 hex digits are 32 bytes, but also base64 of 48), which
        // would store garbage bits without an error.
        if (s.isEmpty() == false && isHex(s)) {
            if (s.length() != 2 * bytes) {
                throw new IllegalArgumentException(
                    what + " must be " + expected(bytes) + "; got " + s.length() + " hex digits" + (s.length() % 2 == 0
                        ? " (" + (s.length() / 2) + " bytes, " + (s.length() * 4) + " bits)"
                        : "") + " [" + abbreviate(s) + "]" + (base64Length(bytes) == s.length()
                            ? "; a base64 string made of hex digits only (such as all-zero bits) is read as hex: send hex or an array of bytes"
                            : "")
                );
            }
            return HexFormat.of().parseHex(s); // either case
        }
        byte[] out;
        try {
            out = (s.indexOf('-') >= 0 || s.indexOf('_') >= 0) ? Base64.getUrlDecoder().decode(s) : Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " must be " + expected(bytes) + "; [" + abbreviate(s) + "] is neither");
        }
        if (out.length != bytes) {
            throw new IllegalArgumentException(
                what + " must be " + expected(bytes) + "; got " + out.length + " bytes (" + (out.length * 8) + " bits) from base64 ["
                    + abbreviate(s) + "]"
            );
        }
        return out;
    }

    /** Both accepted string forms of {@code bytes} bytes, with their lengths. */
    private static String expected(int bytes) {
        return (2 * bytes) + " hex digits or " + base64Length(bytes) + " base64 characters (" + bytes + " bytes, " + (8 * bytes)
            + " bits)";
    }

    /** Length of the padded base64 encoding of {@code bytes} bytes. */
    private static int base64Length(int bytes) {
        return 4 * ((bytes + 2) / 3);
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.digit(s.charAt(i), 16) < 0) {
                return false;
            }
        }
        return true;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 37) + "...";
    }
}
