package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.BitUtil;

import java.io.IOException;

/**
 * The codes a float field's graph is built over and walked by (format version 1): the sign bits of the vector centred
 * on its segment's mean, {@code s = sign(x − c)}, followed by one factor {@code f = ‖x − c‖² / Σ|x_i − c_i|}, so that
 * {@code q · x ≈ q · c + f · Σ q_i s_i} (RaBitQ's unbiased estimate with {@code s} as ±1, arXiv 2405.12497; Lucene's
 * 1-bit format also centres on a per-segment centroid). {@code q · c} is the same for every vector of a segment, so
 * rankings within a segment use {@code f · Σ q_i s_i} alone and the centroid is not stored.
 *
 * <p>Why not the raw sign bits: real embeddings' signs are biased (msmarco-5k, bge-small: mean |P(1) − 0.5| = 0.14), so
 * many bits say little about a vector; centred, each bit splits the segment in about half. On msmarco-5k with the
 * default beam and shortlist (100 / 100) recall@10 goes from 0.978 to 0.988, and to 0.996 at 200 / 200
 * ({@code bin/bench --graph-study}, BENCHMARKS.md "Which codes and which graph?"), at the same graph build time.
 *
 * <p>Record: {@code binaryDims / 8} bytes of code in {@link SignBits}' bit order, then the factor as a little-endian
 * float32. For a COSINE field the vector is scaled to unit length first (cosine ranks as the dot product of unit
 * vectors); the codes cover the first {@code binaryDims} dims. The raw sign bits, which users see (Hamming and Jaccard
 * scores, packed bits), are kept beside the rescoring values.
 */
final class CentredCodes {

    private CentredCodes() {}

    /** Bytes of one record: the code and the factor. */
    static int recordBytes(int binaryDims) {
        return SignBits.byteLength(binaryDims) + Float.BYTES;
    }

    /** Accumulates the mean of the first {@code binaryDims} dims of a segment's vectors (unit-scaled for COSINE). */
    static final class Centroid {
        private final int binaryDims;
        private final VectorSimilarityFunction similarity;
        private final double[] sum;
        private final float[] scratch;
        private long count;

        Centroid(int binaryDims, VectorSimilarityFunction similarity) {
            this.binaryDims = binaryDims;
            this.similarity = similarity;
            this.sum = new double[binaryDims];
            this.scratch = new float[binaryDims];
        }

        void add(float[] vector) {
            prepare(vector, similarity, binaryDims, scratch);
            for (int i = 0; i < binaryDims; i++) {
                sum[i] += scratch[i];
            }
            count++;
        }

        /** The mean; all zeros without vectors. */
        float[] mean() {
            float[] mean = new float[binaryDims];
            for (int i = 0; count > 0 && i < binaryDims; i++) {
                mean[i] = (float) (sum[i] / count);
            }
            return mean;
        }
    }

    /** Writes the record of {@code vector} for a segment centred on {@code centroid} into {@code record}. */
    static void encode(float[] vector, float[] centroid, VectorSimilarityFunction similarity, float[] scratch, byte[] record) {
        int binaryDims = centroid.length;
        prepare(vector, similarity, binaryDims, scratch);
        double squares = 0, absolutes = 0;
        for (int i = 0; i < binaryDims; i++) {
            float r = scratch[i] - centroid[i];
            scratch[i] = r;
            squares += (double) r * r;
            absolutes += Math.abs(r);
        }
        SignBits.pack(scratch, binaryDims, record);
        float factor = absolutes == 0 ? 0f : (float) (squares / absolutes);
        BitUtil.VH_LE_FLOAT.set(record, SignBits.byteLength(binaryDims), factor);
    }

    /** The factor of the record at {@code offset} of {@code in}, whose code has {@code bitBytes} bytes. */
    static float factor(RandomAccessInput in, long offset, int bitBytes) throws IOException {
        return Float.intBitsToFloat(in.readInt(offset + bitBytes));
    }

    /** The factor of {@code record}, whose code has {@code bitBytes} bytes. */
    static float factor(byte[] record, int bitBytes) {
        return (float) BitUtil.VH_LE_FLOAT.get(record, bitBytes);
    }

    /**
     * A monotone map of an estimate onto positive scores (Lucene's graph searcher and collectors expect scores ≥ 0), as
     * Lucene scales maximum-inner-product scores: {@code 1 + e} above 0, {@code 1 / (1 − e)} below.
     */
    static float positive(float estimate) {
        return estimate < 0 ? 1 / (1 - estimate) : 1 + estimate;
    }

    /** The first {@code binaryDims} values of {@code vector} into {@code out}, scaled to unit length for COSINE. */
    private static void prepare(float[] vector, VectorSimilarityFunction similarity, int binaryDims, float[] out) {
        float scale = 1f;
        if (similarity == VectorSimilarityFunction.COSINE) {
            double norm = 0;
            for (float v : vector) {
                norm += (double) v * v;
            }
            scale = norm > 0 ? (float) (1 / Math.sqrt(norm)) : 1f;
        }
        for (int i = 0; i < binaryDims; i++) {
            out[i] = i < vector.length ? vector[i] * scale : 0f;
        }
    }
}
