package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.store.IndexInput;
import org.apache.lucene.util.BitUtil;

import java.io.IOException;
import java.util.Locale;

/**
 * How the full-precision values kept for rescoring are stored, one fixed-size record a vector (see the table in
 * {@link BinaryHnswVectorsFormat}).
 */
public enum RescorePrecision {

    /** The float values as given: {@code dims} little-endian float32. */
    FLOAT32("float32") {
        @Override
        int recordBytes(int dims) {
            return dims * Float.BYTES;
        }

        @Override
        void encode(float[] v, byte[] record) {
            for (int i = 0; i < v.length; i++) {
                BitUtil.VH_LE_FLOAT.set(record, i * Float.BYTES, v[i]);
            }
        }

        @Override
        void decode(byte[] record, float[] out) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (float) BitUtil.VH_LE_FLOAT.get(record, i * Float.BYTES);
            }
        }

        @Override
        void read(IndexInput in, byte[] scratch, float[] out) throws IOException {
            in.readFloats(out, 0, out.length);
        }
    },

    /**
     * Per-vector affine 8-bit quantization: {@code dims} unsigned codes, then float32 {@code lo} and float32
     * {@code step}, where {@code lo = min(v)}, {@code step = (max(v) - min(v)) / 255} and
     * {@code code[i] = round((v[i] - lo) / step)}. A value is restored as {@code lo + step * code[i]}, so each
     * dimension is off by at most {@code step / 2}; cosine, dot product and Euclidean scores computed on the restored
     * vector are close approximations. Quantizing a restored vector again gives the same codes, so merges do not drift.
     */
    INT8("int8") {
        @Override
        int recordBytes(int dims) {
            return dims + 2 * Float.BYTES;
        }

        @Override
        void encode(float[] v, byte[] record) {
            float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
            for (float x : v) {
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
            float step = (hi - lo) / 255f;
            for (int i = 0; i < v.length; i++) {
                int code = step > 0 ? Math.round((v[i] - lo) / step) : 0;
                record[i] = (byte) Math.max(0, Math.min(255, code));
            }
            BitUtil.VH_LE_FLOAT.set(record, v.length, lo);
            BitUtil.VH_LE_FLOAT.set(record, v.length + Float.BYTES, step);
        }

        @Override
        void decode(byte[] record, float[] out) {
            float lo = (float) BitUtil.VH_LE_FLOAT.get(record, out.length);
            float step = (float) BitUtil.VH_LE_FLOAT.get(record, out.length + Float.BYTES);
            for (int i = 0; i < out.length; i++) {
                out[i] = lo + step * (record[i] & 0xFF);
            }
        }

        @Override
        void read(IndexInput in, byte[] scratch, float[] out) throws IOException {
            in.readBytes(scratch, 0, scratch.length);
            decode(scratch, out);
        }
    },

    /** No rescoring values: only the packed bits are stored (byte fields of pre-packed bits). */
    NONE("none") {
        @Override
        int recordBytes(int dims) {
            return 0;
        }

        @Override
        void encode(float[] v, byte[] record) {
            throw new UnsupportedOperationException("precision none stores no values");
        }

        @Override
        void decode(byte[] record, float[] out) {
            throw new UnsupportedOperationException("precision none stores no values");
        }

        @Override
        void read(IndexInput in, byte[] scratch, float[] out) {
            throw new UnsupportedOperationException("precision none stores no values");
        }
    };

    private final String attributeValue;

    RescorePrecision(String attributeValue) {
        this.attributeValue = attributeValue;
    }

    /** The value of the {@link BinaryFieldConfig#RESCORE_PRECISION_ATTRIBUTE} field attribute. */
    public String attributeValue() {
        return attributeValue;
    }

    /** Parses the field attribute value ({@code float32}, {@code int8} or {@code none}). */
    public static RescorePrecision fromAttribute(String value) {
        for (RescorePrecision p : values()) {
            if (p.attributeValue.equals(value.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown rescore precision [" + value + "], expected float32, int8 or none");
    }

    /** Size of one stored vector of {@code dims} dimensions. */
    abstract int recordBytes(int dims);

    /** Encodes {@code v} into {@code record} ({@link #recordBytes} long). */
    abstract void encode(float[] v, byte[] record);

    /** Restores a vector of {@code out.length} dimensions from an encoded record. */
    abstract void decode(byte[] record, float[] out);

    /** Reads one record at the input's position into {@code out}; {@code scratch} is {@link #recordBytes} long. */
    abstract void read(IndexInput in, byte[] scratch, float[] out) throws IOException;
}
