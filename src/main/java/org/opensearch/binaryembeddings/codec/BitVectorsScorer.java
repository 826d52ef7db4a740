package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.lucene95.HasIndexSlice;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.UpdateableRandomVectorScorer;

import java.io.IOException;

/**
 * Scores packed bit vectors with the field's {@link BitSimilarity}, which it learns from the similarity tag the graph
 * field carries ({@link BitSimilarity#graphTag()}), or by the estimate of an {@link AsymmetricQuery} when the target is
 * one. Used by the packed-bits flat format for graph construction, graph search and exact scans.
 */
final class BitVectorsScorer implements FlatVectorsScorer {

    static final BitVectorsScorer INSTANCE = new BitVectorsScorer();

    private BitVectorsScorer() {}

    @Override
    public RandomVectorScorerSupplier getRandomVectorScorerSupplier(VectorSimilarityFunction tag, KnnVectorValues values) {
        return new Supplier(BitSimilarity.fromGraphTag(tag), bytes(values));
    }

    @Override
    public RandomVectorScorer getRandomVectorScorer(VectorSimilarityFunction tag, KnnVectorValues values, float[] target) {
        ByteVectorValues bits = bytes(values);
        return getRandomVectorScorer(tag, bits, SignBits.pack(target, bits.dimension() * Byte.SIZE));
    }

    @Override
    public RandomVectorScorer getRandomVectorScorer(VectorSimilarityFunction tag, KnnVectorValues values, byte[] target) {
        ByteVectorValues bits = bytes(values);
        if (AsymmetricQuery.isEncoded(target, bits.dimension())) {
            return AsymmetricQuery.scorer(bits, target);
        }
        FlatVectorsScorer.checkDimensions(target.length, bits.dimension());
        return new Scorer(BitSimilarity.fromGraphTag(tag), bits, target.clone());
    }

    private static ByteVectorValues bytes(KnnVectorValues values) {
        if (values instanceof ByteVectorValues b) {
            return b;
        }
        throw new IllegalArgumentException("packed bits are byte vectors, got " + values.getClass().getName());
    }

    @Override
    public String toString() {
        return "BitVectorsScorer()";
    }

    /**
     * Scores the vectors of {@code values} against a query held in {@code query} (which setScoringOrdinal overwrites).
     * When the bits are a memory-mapped slice (searches, and the graph built at a merge) the candidates are read in
     * place, as {@link AsymmetricQuery} does: no copy per node, a node's neighbours scored in one bulk call.
     */
    private static final class Scorer extends UpdateableRandomVectorScorer.AbstractUpdateableRandomVectorScorer {
        private final BitSimilarity similarity;
        private final ByteVectorValues values;
        private final byte[] query;
        private final RandomAccessInput inPlace;
        private final long bytesPerVector;

        Scorer(BitSimilarity similarity, ByteVectorValues values, byte[] query) {
            super(values);
            this.similarity = similarity;
            this.values = values;
            this.query = query;
            this.inPlace = values instanceof HasIndexSlice sliced && sliced.getSlice() instanceof RandomAccessInput r ? r : null;
            this.bytesPerVector = values.dimension();
        }

        @Override
        public float score(int node) throws IOException {
            return inPlace == null ? similarity.score(query, values.vectorValue(node)) : similarity.score(query, inPlace, node * bytesPerVector);
        }

        @Override
        public float bulkScore(int[] nodes, float[] scores, int numNodes) throws IOException {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < numNodes; i++) {
                scores[i] = score(nodes[i]);
                max = Math.max(max, scores[i]);
            }
            return max;
        }

        @Override
        public void setScoringOrdinal(int node) throws IOException {
            System.arraycopy(values.vectorValue(node), 0, query, 0, query.length);
        }
    }

    private static final class Supplier implements RandomVectorScorerSupplier {
        private final BitSimilarity similarity;
        private final ByteVectorValues values;

        Supplier(BitSimilarity similarity, ByteVectorValues values) {
            this.similarity = similarity;
            this.values = values;
        }

        @Override
        public UpdateableRandomVectorScorer scorer() throws IOException {
            // each scorer reads through its own copy: the query vector is copied out of one, the candidates out of another
            return new Scorer(similarity, values.copy(), new byte[values.dimension()]);
        }

        @Override
        public RandomVectorScorerSupplier copy() throws IOException {
            return new Supplier(similarity, values.copy());
        }
    }
}
