package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.opensearch.binaryembeddings.codec.BinaryVectors;

import java.io.IOException;

/**
 * Narrows graph candidates to the rescoring shortlist by the float query's estimate of its similarity to each
 * ({@link BinaryVectors#estimates}: the dot product with the candidate's signs, weighted by its factor over centred
 * codes). Unlike Hamming distance it weighs each bit by how strongly the query leans on that dimension, so it separates
 * candidates Hamming calls equal; it reads only the graph's records (the hot data), not the rescoring values.
 */
final class AsymmetricShortlist {

    private AsymmetricShortlist() {}

    /** The best {@code n} of {@code candidates} by asymmetric score (ties by doc), keeping the scores they came with. */
    static TopDocs narrow(BinaryVectors vectors, float[] query, TopDocs candidates, int n) throws IOException {
        ScoreDoc[] hits = candidates.scoreDocs;
        if (hits.length <= n) {
            return candidates;
        }
        int[] docs = new int[hits.length];
        for (int i = 0; i < hits.length; i++) {
            docs[i] = hits[i].doc;
        }
        int[] order = ScoreOrder.bestFirst(docs, vectors.estimates(query, docs));
        ScoreDoc[] top = new ScoreDoc[n];
        for (int i = 0; i < n; i++) {
            top[i] = hits[order[i]];
        }
        return new TopDocs(candidates.totalHits, top);
    }
}
