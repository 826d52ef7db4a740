package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.BitUtil;

import java.io.IOException;

/**
 * The codes a float field's graph is built over and walked by (format version 1): the sign bits of the vector centred
 * on its segment's mean {@code c}, {@code s = sign(r)} with {@code r = x − c}, and two floats a vector: the factor
 * {@code f = ‖r‖² / Σ|r_i|} and the offset {@code a = c · r}. The query is centred on the same mean, and
 * <pre>  q · x = q · c + c · r + (q − c) · r  ≈  q · c + a + f · Σ (q − c)_i s_i</pre>
 * (RaBitQ's unbiased estimate of {@code (q − c) · r} with {@code s} as ±1, arXiv 2405.12497; Lucene's 1-bit format
 * also centres vectors and query on a per-segment centroid and keeps correction terms). {@code q · c} is the same for
 * every vector of a segment, so rankings within a segment use {@code a + f · Σ (q − c)_i s_i}. For EUCLIDEAN the offset
 * also holds {@code −‖x‖² / 2}, so the estimate ranks like {@code −‖q − x‖²}.
 *
 * <p>Why: real embeddings' signs are biased (msmarco-5k, bge-small: mean |P(1) − 0.5| = 0.14; their mean vector has
 * norm 0.67), so many raw sign bits say little about a vector; centred, each bit splits the segment in about half, and
 * centring the query too takes the large shared component {@code c} out of the estimate's error (which grows with
 * {@code ‖q − c‖}, not {@code ‖q‖}). {@code bin/bench}, msmarco-5k, the same walk over a version-0 index (graph over raw
 * sign bits) and over this one, recall@10 after rescoring 30 / 100 candidates: 0.940 / 0.982 and 0.972 / 0.998
 * (BENCHMARKS.md, "Format version 1"). Centred codes with the query left uncentred were worse than raw sign bits at
 * small shortlists ({@code bin/bench --graph-study}, beam and shortlist 40: 0.937 against 0.948; this format 0.979),
 * which is why the query is centred too.
 *
 * <p>Record: {@code binaryDims / 8} bytes of code in {@link SignBits}' bit order, then {@code f} and {@code a} as
 * little-endian float32s. For a COSINE field the vector (and the query) is scaled to unit length first (cosine ranks as
 * the dot product of unit vectors); the codes cover the first {@code binaryDims} dims. The segment's mean is kept in the
 * meta file. The raw sign bits, which users see (Hamming and Jaccard scores, packed bits), are kept beside the
 * rescoring values.
 */
final class CentredCodes {

    private CentredCodes() {}

    /** Bytes of one record: the code, the factor and the offset. */
    static int recordBytes(int binaryDims) {
        return SignBits.byteLength(binaryDims) + 2 * Float.BYTES;
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
        double squares = 0, absolutes = 0, offset = 0, norm = 0;
        for (int i = 0; i < binaryDims; i++) {
            float x = scratch[i];
            float r = x - centroid[i];
            scratch[i] = r;
            squares += (double) r * r;
            absolutes += Math.abs(r);
            offset += (double) centroid[i] * r;
            norm += (double) x * x;
        }
        if (similarity == VectorSimilarityFunction.EUCLIDEAN) {
            offset -= norm / 2;
        }
        SignBits.pack(scratch, binaryDims, record);
        float factor = absolutes == 0 ? 0f : (float) (squares / absolutes);
        int bitBytes = SignBits.byteLength(binaryDims);
        BitUtil.VH_LE_FLOAT.set(record, bitBytes, factor);
        BitUtil.VH_LE_FLOAT.set(record, bitBytes + Float.BYTES, (float) offset);
    }

    /** The query as the codes' estimate takes it: its first {@code binaryDims} dims (unit-scaled for COSINE) minus the mean. */
    static float[] centredQuery(float[] query, float[] centroid, VectorSimilarityFunction similarity) {
        float[] q = new float[centroid.length];
        prepare(query, similarity, centroid.length, q);
        for (int i = 0; i < q.length; i++) {
            q[i] -= centroid[i];
        }
        return q;
    }

    /** The offset {@code a} of the record at {@code offset} of {@code in}, whose code has {@code bitBytes} bytes. */
    static float offset(RandomAccessInput in, long offset, int bitBytes) throws IOException {
        return Float.intBitsToFloat(in.readInt(offset + bitBytes + Float.BYTES));
    }

    /** The offset {@code a} of {@code record}, whose code has {@code bitBytes} bytes. */
    static float offset(byte[] record, int bitBytes) {
        return (float) BitUtil.VH_LE_FLOAT.get(record, bitBytes + Float.BYTES);
    }

    /** The factor of the record at {@code offset} of {@code in}, whose code has {@code bitBytes} bytes. */
    static float factor(RandomAccessInput in, long offset, int bitBytes) throws IOException {
        return Float.intBitsToFloat(in.readInt(offset + bitBytes));
    }

    /** The factor of {@code record}, whose code has {@code bitBytes} bytes. */
    static float factor(byte[] record, int bitBytes) {
        return (float) BitUtil.VH_LE_FLOAT.get(record, bitBytes);
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
