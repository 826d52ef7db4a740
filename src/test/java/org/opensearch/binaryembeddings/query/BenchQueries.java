package org.opensearch.binaryembeddings.query;

import org.apache.lucene.search.Query;
import org.opensearch.binaryembeddings.mapper.BinaryEmbeddingSpec;

/**
 * The benchmark programs' way to the Lucene query behind {@code binary_knn} ({@code BinaryKnnQuery}, package-private in
 * src/main: no user builds it), so that they can search an index in-process, outside a node. Test code only.
 */
public final class BenchQueries {

    private BenchQueries() {}

    /** binary_knn's query: bits walk the graph, the best {@code shortlist} are rescored with {@code vector} if {@code rescore}. */
    public static Query binaryKnn(String field, BinaryEmbeddingSpec spec, float[] vector, byte[] bits, int k, int shortlist, int numCandidates, boolean rescore) {
        return new BinaryKnnQuery(field, spec, vector, bits, k, shortlist, numCandidates, rescore, null, null);
    }
}
