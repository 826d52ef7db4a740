package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.opensearch.binaryembeddings.codec.BinaryVectors;

import java.io.IOException;
import java.util.Arrays;

/**
 * Narrows graph candidates to the rescoring shortlist by the float query's dot product with each candidate's signs
 * (±1 per bit): {@code Σ q_i·(2·b_i − 1)} over the binarized dims. Unlike Hamming distance it weighs each bit by how
 * strongly the query leans on that dimension, so it separates candidates Hamming calls equal; it reads only the bits
 * (the hot data), not the rescoring values.
 */
final class AsymmetricShortlist {

    private AsymmetricShortlist() {}

    /** The best {@code n} of {@code candidates} by asymmetric score, keeping the scores they came with. */
    static TopDocs narrow(BinaryVectors vectors, float[] query, TopDocs candidates, int n) throws IOException {
        ScoreDoc[] hits = candidates.scoreDocs;
        if (hits.length <= n) {
            return candidates;
        }
        int binaryDims = vectors.config().binaryDims();
        float total = 0;
        for (int i = 0; i < binaryDims && i < query.length; i++) {
            total += query[i];
        }
        float[] table = nibbleTable(query, binaryDims);
        // primitive sorts (doc, then score) of long keys: sorting boxed indices with a comparator cost more than scoring
        long[] keys = new long[hits.length];
        for (int i = 0; i < hits.length; i++) {
            keys[i] = ((long) hits[i].doc << 32) | i;
        }
        Arrays.sort(keys);
        ScoreDoc[] byDoc = new ScoreDoc[hits.length];
        for (int i = 0; i < keys.length; i++) {
            byDoc[i] = hits[(int) keys[i]];
        }
        ByteVectorValues bits = vectors.bitValues();
        KnnVectorValues.DocIndexIterator it = bits.iterator();
        float[] asymmetric = new float[byDoc.length];
        for (int c = 0; c < byDoc.length; c++) {
            it.advance(byDoc[c].doc);
            asymmetric[c] = 2 * setSum(bits.vectorValue(it.index()), table) - total;
        }
        // best asymmetric score first, ties by doc (byDoc's order): the float's bits made order-preserving, inverted
        for (int c = 0; c < byDoc.length; c++) {
            int raw = Float.floatToIntBits(asymmetric[c]);
            int ordered = raw ^ ((raw >> 31) & 0x7fffffff);
            keys[c] = ((long) ~ordered << 32) | c;
        }
        Arrays.sort(keys);
        ScoreDoc[] top = new ScoreDoc[n];
        for (int i = 0; i < n; i++) {
            top[i] = byDoc[(int) keys[i]];
        }
        return new TopDocs(candidates.totalHits, top);
    }

    /**
     * Per 4-bit group of the packed bits (most significant nibble of a byte first), the sum of the query values of the
     * dims each of the 16 nibble values sets: {@code table[16 * g + v]}. Scoring a candidate is then one lookup per
     * nibble instead of a data-dependent loop over its set bits (100 candidates: 59 µs per query with the bit loop,
     * 11-15 µs with the table).
     */
    static float[] nibbleTable(float[] query, int binaryDims) {
        int groups = binaryDims / 4;
        float[] table = new float[groups * 16];
        for (int g = 0; g < groups; g++) {
            int o = g * 16;
            for (int v = 1; v < 16; v++) {
                int low = Integer.numberOfTrailingZeros(v); // bit 3 of the nibble is its first dim
                int dim = g * 4 + 3 - low;
                table[o + v] = table[o + (v & (v - 1))] + (dim < query.length ? query[dim] : 0f);
            }
        }
        return table;
    }

    /** Sum of the query values of the set bits of {@code bits}, by {@link #nibbleTable}. */
    static float setSum(byte[] bits, float[] table) {
        float sum = 0;
        for (int j = 0, o = 0; j < bits.length; j++, o += 32) {
            int b = bits[j] & 0xFF;
            sum += table[o + (b >>> 4)] + table[o + 16 + (b & 0x0F)];
        }
        return sum;
    }
}
