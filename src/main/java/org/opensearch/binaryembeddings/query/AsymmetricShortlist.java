package org.opensearch.binaryembeddings.query;

import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.opensearch.binaryembeddings.codec.BinaryVectors;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Narrows graph candidates to the rescoring shortlist by the float query's dot product with each candidate's signs
 * (±1 per bit): {@code Σ q_i·(2·b_i − 1)} over the binarized dims. Unlike Hamming distance it weighs each bit by how
 * strongly the query leans on that dimension, so it separates candidates Hamming calls equal; it reads only the bits
 * (the hot data), not the rescoring values.
 */
final class AsymmetricShortlist {

    private AsymmetricShortlist() {}

    /** The best {@code n} of {@code candidates} by asymmetric score, keeping their bit-similarity scores. */
    static TopDocs narrow(BinaryVectors vectors, float[] query, TopDocs candidates, int n) throws IOException {
        ScoreDoc[] hits = candidates.scoreDocs;
        if (hits.length <= n) {
            return candidates;
        }
        int binaryDims = vectors.config().binaryDims();
        float total = 0;
        for (int i = 0; i < binaryDims; i++) {
            total += query[i];
        }
        ScoreDoc[] byDoc = hits.clone();
        Arrays.sort(byDoc, Comparator.comparingInt(h -> h.doc));
        ByteVectorValues bits = vectors.bitValues();
        KnnVectorValues.DocIndexIterator it = bits.iterator();
        float[] asymmetric = new float[byDoc.length];
        for (int c = 0; c < byDoc.length; c++) {
            it.advance(byDoc[c].doc);
            byte[] b = bits.vectorValue(it.index());
            float set = 0;
            for (int j = 0; j < b.length; j++) {
                int v = b[j] & 0xFF;
                while (v != 0) {
                    int bit = Integer.numberOfLeadingZeros(v) - 24; // 0 = most significant bit of the byte
                    set += query[(j << 3) + bit];
                    v &= ~(0x80 >>> bit);
                }
            }
            asymmetric[c] = 2 * set - total;
        }
        Integer[] order = new Integer[byDoc.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> asymmetric[x] != asymmetric[y] ? Float.compare(asymmetric[y], asymmetric[x]) : Integer.compare(byDoc[x].doc, byDoc[y].doc));
        ScoreDoc[] top = new ScoreDoc[n];
        for (int i = 0; i < n; i++) {
            top[i] = byDoc[order[i]];
        }
        return new TopDocs(candidates.totalHits, top);
    }
}
