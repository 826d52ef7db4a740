package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.lucene95.HasIndexSlice;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.BitUtil;
import org.apache.lucene.util.hnsw.RandomVectorScorer;

import java.io.IOException;

/**
 * A float query scored against packed sign bits during the graph walk: the query's first {@code binaryDims} values
 * quantized to 4 bits and kept as four bit planes, so that {@code Σ q_i · b_i} over a document's set bits costs five
 * popcounts of {@code binaryDims} bits (plane AND bits, and the bits alone) instead of a loop over the dims.
 *
 * <p>Why: ranking by that sum is ranking by {@code q · sign(d)} (= {@code 2 Σ q_i b_i − Σ q_i}), the estimate of the
 * query's similarity to the document that the sign bits allow, while Hamming distance throws the query's magnitudes
 * away. On msmarco-5k (bge-small int8, 384 bits) an exact scan keeping the top 40 by this estimate and rescoring them
 * with floats finds recall@10 0.978, by Hamming 0.940; the top 100: 0.988 against 0.966. Walking the graph by it puts
 * those candidates into the beam in the first place. Lucene's 1-bit format scores a 4-bit query the same way; 4 bits
 * lose nothing measurable against the float sum here, and the graph, built by Hamming, is unchanged.
 *
 * <p>Encoded as a byte[] target so that it travels through Lucene's HNSW reader to {@link BitVectorsScorer} like a
 * query of packed bits: four planes of {@code bitBytes} bytes (plane {@code p} holds bit {@code p} of each quantized
 * value, in {@link SignBits}' bit order), then the quantization's lower bound and step as two big-endian floats. Its
 * length, {@code 4 × bitBytes + 8}, tells it apart from packed bits ({@code bitBytes}).
 */
public final class AsymmetricQuery {

    private static final int PLANES = 4;
    private static final int LEVELS = (1 << PLANES) - 1;

    private AsymmetricQuery() {}

    /** The encoded target of a float query for a field of {@code binaryDims} bits (dims past the bits are ignored). */
    public static byte[] encode(float[] query, int binaryDims) {
        int bitBytes = SignBits.byteLength(binaryDims);
        int dims = Math.min(binaryDims, query.length);
        float lo = Float.POSITIVE_INFINITY, hi = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < dims; i++) {
            lo = Math.min(lo, query[i]);
            hi = Math.max(hi, query[i]);
        }
        if (dims == 0) {
            lo = hi = 0;
        }
        float step = hi > lo ? (hi - lo) / LEVELS : 0f;
        float perStep = step == 0 ? 0f : 1f / step;
        byte[] out = new byte[PLANES * bitBytes + 2 * Float.BYTES];
        // a byte of each plane at a time, without a branch per bit (the quantized values' bits are random, so a branch per
        // dim and plane mispredicts often) or a division per dim: the branchy loop had 13% of a msmarco-5k query's CPU
        // samples (JFR); its share fell below the sampling noise after this change
        for (int j = 0; j < bitBytes; j++) {
            int b0 = 0, b1 = 0, b2 = 0, b3 = 0;
            for (int i = j * Byte.SIZE, end = Math.min(dims, i + Byte.SIZE); i < end; i++) {
                int u = (int) ((query[i] - lo) * perStep + 0.5f); // rounds: never negative
                int shift = 7 - (i & 7);
                b0 |= (u & 1) << shift;
                b1 |= (u >>> 1 & 1) << shift;
                b2 |= (u >>> 2 & 1) << shift;
                b3 |= (u >>> 3 & 1) << shift;
            }
            out[j] = (byte) b0;
            out[bitBytes + j] = (byte) b1;
            out[2 * bitBytes + j] = (byte) b2;
            out[3 * bitBytes + j] = (byte) b3;
        }
        BitUtil.VH_BE_FLOAT.set(out, PLANES * bitBytes, lo);
        BitUtil.VH_BE_FLOAT.set(out, PLANES * bitBytes + Float.BYTES, step);
        return out;
    }

    /** Whether {@code target} is an encoded asymmetric query for vectors of {@code bitBytes} bytes. */
    static boolean isEncoded(byte[] target, int bitBytes) {
        return target.length == PLANES * bitBytes + 2 * Float.BYTES;
    }

    /**
     * Scores {@code values} by {@code Σ q_i b_i} with the quantized query, shifted by {@code min(0, lo) · bits} so that
     * no score is negative (Lucene's collectors expect that); the shift is the same for every document.
     *
     * <p>When the bits are a memory-mapped slice (Lucene's off-heap values over MMapDirectory, the normal case) the
     * scorer reads each vector's words in place: no copy into a byte[] per node and no call through the values per
     * node, and {@link RandomVectorScorer#bulkScore} scores a node's neighbours in one loop — the per-node overhead
     * that made a visited node cost as much as a float one (BENCHMARKS.md, profile), not the popcounts.
     */
    static RandomVectorScorer scorer(ByteVectorValues values, byte[] target) {
        return scorer(values, target, false);
    }

    /**
     * Scores {@link CentredCodes} records (graph view of {@code bitBytes + 8} bytes) by their estimate for a query
     * encoded from the centred query {@code q − c} ({@link CentredCodes#centredQuery}): {@code a + f · Σ (q − c)_i s_i}
     * with {@code s_i = 2 b_i − 1}, i.e. {@code a + f · (2 Σ (q − c)_i b_i − Σ (q − c)_i)}. The query's dot product with
     * the segment's mean, the same for every document, is left out, so scores may be negative: Lucene's graph searcher
     * and collectors only order them (its neighbour queues encode any float sortably); no monotone map onto positive
     * values is paid per node.
     */
    static RandomVectorScorer centredScorer(ByteVectorValues values, byte[] target) {
        return scorer(values, target, true);
    }

    private static RandomVectorScorer scorer(ByteVectorValues values, byte[] target, boolean centred) {
        int bitBytes = centred ? values.dimension() - 2 * Float.BYTES : values.dimension();
        float lo = (float) BitUtil.VH_BE_FLOAT.get(target, PLANES * bitBytes);
        float step = (float) BitUtil.VH_BE_FLOAT.get(target, PLANES * bitBytes + Float.BYTES);
        Planes planes = new Planes(target, bitBytes, lo, step);
        if (values instanceof HasIndexSlice sliced && sliced.getSlice() instanceof RandomAccessInput direct) {
            return new InPlaceScorer(values, direct, planes, centred);
        }
        return new RandomVectorScorer.AbstractRandomVectorScorer(values) {
            @Override
            public float score(int node) throws IOException {
                byte[] record = values.vectorValue(node);
                float sumQB = planes.score(record);
                return centred ? planes.centredEstimate(sumQB, CentredCodes.factor(record, bitBytes), CentredCodes.offset(record, bitBytes)) : sumQB;
            }
        };
    }

    /** The query's four bit planes as words (and the tail bytes past the last whole word), with its quantization. */
    private static final class Planes {
        final int bitBytes;
        final int words;
        final long[] p0, p1, p2, p3;
        final byte[][] tails;
        final float lo, step, shift;
        /** {@code Σ q_i} of the quantized query over all {@code 8 × bitBytes} dims. */
        final float sum;

        Planes(byte[] target, int bitBytes, float lo, float step) {
            this.bitBytes = bitBytes;
            this.words = bitBytes / Long.BYTES;
            long[][] planes = new long[PLANES][words];
            tails = new byte[PLANES][bitBytes - words * Long.BYTES];
            for (int p = 0; p < PLANES; p++) {
                for (int w = 0; w < words; w++) {
                    planes[p][w] = (long) BitUtil.VH_LE_LONG.get(target, p * bitBytes + w * Long.BYTES);
                }
                System.arraycopy(target, p * bitBytes + words * Long.BYTES, tails[p], 0, tails[p].length);
            }
            p0 = planes[0];
            p1 = planes[1];
            p2 = planes[2];
            p3 = planes[3];
            this.lo = lo;
            this.step = step;
            this.shift = -Math.min(0f, lo) * bitBytes * Byte.SIZE;
            long levels = 0;
            for (int p = 0; p < PLANES; p++) {
                for (long word : planes[p]) {
                    levels += (long) Long.bitCount(word) << p;
                }
                for (byte b : tails[p]) {
                    levels += (long) Integer.bitCount(b & 0xFF) << p;
                }
            }
            this.sum = lo * bitBytes * Byte.SIZE + step * levels;
        }

        /**
         * A centred record's estimate {@code a + f · Σ q_i s_i} from its {@link #score} (shifted {@code Σ q_i b_i}),
         * factor {@code f} and offset {@code a}: {@code s_i = 2 b_i − 1}.
         */
        float centredEstimate(float sumQB, float factor, float offset) {
            return offset + factor * (2 * (sumQB - shift) - sum);
        }

        /** {@code Σ q_i b_i} (shifted) for the bits in {@code d}. */
        float score(byte[] d) {
            int set = 0, weighted = 0;
            for (int w = 0; w < words; w++) {
                long b = (long) BitUtil.VH_LE_LONG.get(d, w * Long.BYTES);
                set += Long.bitCount(b);
                weighted += weigh(w, b);
            }
            for (int t = 0, j = words * Long.BYTES; j < bitBytes; t++, j++) {
                int b = d[j] & 0xFF;
                set += Integer.bitCount(b);
                weighted += weighTail(t, b);
            }
            return shift + lo * set + step * weighted;
        }

        /** The same for the vector at byte {@code offset} of {@code in}, read in place. */
        float score(RandomAccessInput in, long offset) throws IOException {
            int set = 0, weighted = 0;
            for (int w = 0; w < words; w++) {
                long b = in.readLong(offset + (long) w * Long.BYTES);
                set += Long.bitCount(b);
                weighted += weigh(w, b);
            }
            for (int t = 0, j = words * Long.BYTES; j < bitBytes; t++, j++) {
                int b = in.readByte(offset + j) & 0xFF;
                set += Integer.bitCount(b);
                weighted += weighTail(t, b);
            }
            return shift + lo * set + step * weighted;
        }

        private int weigh(int w, long b) {
            return Long.bitCount(p0[w] & b) + 2 * Long.bitCount(p1[w] & b) + 4 * Long.bitCount(p2[w] & b) + 8 * Long.bitCount(p3[w] & b);
        }

        private int weighTail(int t, int b) {
            return Integer.bitCount(tails[0][t] & b) + 2 * Integer.bitCount(tails[1][t] & b) + 4 * Integer.bitCount(tails[2][t] & b) + 8
                * Integer.bitCount(tails[3][t] & b);
        }
    }

    /**
     * Reads each node's bits where they lie in the memory-mapped slice (ordinal × bytes per vector): sign bits scored by
     * {@code Σ q_i b_i}, or a centred record by its estimate (code, then factor and offset, read in one long).
     */
    private static final class InPlaceScorer extends RandomVectorScorer.AbstractRandomVectorScorer {
        private final RandomAccessInput records;
        private final Planes planes;
        private final long bytesPerVector;
        private final boolean centred;
        /** What {@link RecordTouch} read, kept so that its loads are not dropped as unused. */
        private long touched;

        InPlaceScorer(ByteVectorValues values, RandomAccessInput records, Planes planes, boolean centred) {
            super(values);
            this.records = records;
            this.planes = planes;
            this.bytesPerVector = values.dimension();
            this.centred = centred;
        }

        @Override
        public float score(int node) throws IOException {
            long offset = node * bytesPerVector;
            float sumQB = planes.score(records, offset);
            if (centred == false) {
                return sumQB;
            }
            // the factor and the offset are the record's last 8 bytes: one read
            long floats = records.readLong(offset + planes.bitBytes);
            return planes.centredEstimate(sumQB, Float.intBitsToFloat((int) floats), Float.intBitsToFloat((int) (floats >>> 32)));
        }

        @Override
        public float bulkScore(int[] nodes, float[] scores, int numNodes) throws IOException {
            touched += RecordTouch.touch(records, bytesPerVector, nodes, numNodes);
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < numNodes; i++) {
                float s = score(nodes[i]);
                scores[i] = s;
                max = Math.max(max, s);
            }
            return max;
        }
    }
}
