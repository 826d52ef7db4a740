package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.BitUtil;
import org.apache.lucene.util.VectorUtil;

import java.io.IOException;
import java.util.Locale;

/**
 * The similarity of two packed bit vectors that the HNSW graph is built and searched with. Scores are in [0, 1],
 * higher is more similar, as Lucene's collectors expect.
 */
public enum BitSimilarity {

    /** {@code 1 - hamming(a, b) / bits}, where bits = 8 × the byte length. */
    HAMMING("hamming", VectorSimilarityFunction.EUCLIDEAN) {
        @Override
        public float score(byte[] a, byte[] b) {
            int bits = a.length * Byte.SIZE;
            return (bits - VectorUtil.xorBitCount(a, b)) / (float) bits;
        }

        @Override
        float score(byte[] a, RandomAccessInput b, long offset) throws IOException {
            int differ = 0, i = 0;
            for (int upTo = a.length & -Long.BYTES; i < upTo; i += Long.BYTES) {
                differ += Long.bitCount((long) BitUtil.VH_LE_LONG.get(a, i) ^ b.readLong(offset + i));
            }
            for (; i < a.length; i++) {
                differ += Integer.bitCount((a[i] ^ b.readByte(offset + i)) & 0xFF);
            }
            int bits = a.length * Byte.SIZE;
            return (bits - differ) / (float) bits;
        }
    },

    /** {@code |a ∧ b| / |a ∨ b|}, defined as 1 when both vectors have no bit set. */
    JACCARD("jaccard", VectorSimilarityFunction.DOT_PRODUCT) {
        @Override
        public float score(byte[] a, byte[] b) {
            if (a.length != b.length) {
                throw new IllegalArgumentException("vector dimensions differ: " + a.length + "!=" + b.length);
            }
            int inter = 0, union = 0, i = 0;
            for (int upTo = a.length & -Long.BYTES; i < upTo; i += Long.BYTES) {
                long x = (long) BitUtil.VH_NATIVE_LONG.get(a, i), y = (long) BitUtil.VH_NATIVE_LONG.get(b, i);
                inter += Long.bitCount(x & y);
                union += Long.bitCount(x | y);
            }
            for (; i < a.length; i++) {
                int x = a[i] & 0xFF, y = b[i] & 0xFF;
                inter += Integer.bitCount(x & y);
                union += Integer.bitCount(x | y);
            }
            return union == 0 ? 1f : inter / (float) union;
        }

        @Override
        float score(byte[] a, RandomAccessInput b, long offset) throws IOException {
            int inter = 0, union = 0, i = 0;
            for (int upTo = a.length & -Long.BYTES; i < upTo; i += Long.BYTES) {
                long x = (long) BitUtil.VH_LE_LONG.get(a, i), y = b.readLong(offset + i);
                inter += Long.bitCount(x & y);
                union += Long.bitCount(x | y);
            }
            for (; i < a.length; i++) {
                int x = a[i] & 0xFF, y = b.readByte(offset + i) & 0xFF;
                inter += Integer.bitCount(x & y);
                union += Integer.bitCount(x | y);
            }
            return union == 0 ? 1f : inter / (float) union;
        }
    };

    private final String attributeValue;
    private final VectorSimilarityFunction graphTag;

    BitSimilarity(String attributeValue, VectorSimilarityFunction graphTag) {
        this.attributeValue = attributeValue;
        this.graphTag = graphTag;
    }

    /** Similarity of two packed vectors of the same length, in [0, 1]. */
    public abstract float score(byte[] a, byte[] b);

    /** The same, {@code b} being the {@code a.length} bytes at {@code offset} of a mapped file, read in place. */
    abstract float score(byte[] a, RandomAccessInput b, long offset) throws IOException;

    /** The value of the {@link BinaryFieldConfig#SIMILARITY_ATTRIBUTE} field attribute. */
    public String attributeValue() {
        return attributeValue;
    }

    /** Parses the field attribute value ({@code hamming} or {@code jaccard}). */
    public static BitSimilarity fromAttribute(String value) {
        for (BitSimilarity s : values()) {
            if (s.attributeValue.equals(value.toLowerCase(Locale.ROOT))) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown bit similarity [" + value + "], expected hamming or jaccard");
    }

    /**
     * The Lucene similarity recorded in the graph's own files (.vemf/.vem) for this bit similarity. Lucene's HNSW writer
     * hands its flat scorer nothing but that function, so it is the only way to tell the scorer, per field, which bit
     * similarity to build the graph with. EUCLIDEAN stands for Hamming (on 0/1 vectors it ranks exactly like Hamming),
     * DOT_PRODUCT for Jaccard (both count shared set bits). The tag is never used to compute a score.
     */
    VectorSimilarityFunction graphTag() {
        return graphTag;
    }

    static BitSimilarity fromGraphTag(VectorSimilarityFunction tag) {
        for (BitSimilarity s : values()) {
            if (s.graphTag == tag) {
                return s;
            }
        }
        throw new IllegalArgumentException("no bit similarity is tagged " + tag);
    }
}
