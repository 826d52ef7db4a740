package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.opensearch.binaryembeddings.codec.BinaryVectors;

import java.io.IOException;
import java.util.Arrays;

/**
 * Narrows graph candidates to the rescoring shortlist by the float query's estimate of its similarity to each
 * ({@link BinaryVectors#estimates}: the dot product with the candidate's signs, weighted by its factor over centred
 * codes). Unlike Hamming distance it weighs each bit by how strongly the query leans on that dimension, so it separates
 * candidates Hamming calls equal; it reads only the graph's records (the hot data), not the rescoring values.
 */
final class AsymmetricShortlist {

    private AsymmetricShortlist() {}

    /** The best {@code n} of {@code candidates} by asymmetric score, keeping the scores they came with. */
    static TopDocs narrow(BinaryVectors vectors, float[] query, TopDocs candidates, int n) throws IOException {
        ScoreDoc[] hits = candidates.scoreDocs;
        if (hits.length <= n) {
            return candidates;
        }
        // primitive sorts (doc, then score) of long keys: sorting boxed indices with a comparator cost more than scoring
        long[] keys = new long[hits.length];
        for (int i = 0; i < hits.length; i++) {
            keys[i] = ((long) hits[i].doc << 32) | i;
        }
        Arrays.sort(keys);
        ScoreDoc[] byDoc = new ScoreDoc[hits.length];
        int[] docs = new int[hits.length];
        for (int i = 0; i < keys.length; i++) {
            byDoc[i] = hits[(int) keys[i]];
            docs[i] = byDoc[i].doc;
        }
        float[] asymmetric = vectors.estimates(query, docs);
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
}
