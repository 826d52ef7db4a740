package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.codecs.hnsw.FlatVectorsScorer;
import org.apache.lucene.codecs.lucene95.HasIndexSlice;
import org.apache.lucene.index.ByteVectorValues;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.RandomAccessInput;
import org.apache.lucene.util.BitUtil;
import org.apache.lucene.util.hnsw.RandomVectorScorer;
import org.apache.lucene.util.hnsw.RandomVectorScorerSupplier;
import org.apache.lucene.util.hnsw.UpdateableRandomVectorScorer;

import java.io.IOException;
import java.util.Arrays;

/**
 * Scores packed bit vectors with the field's {@link BitSimilarity}, which it learns from the similarity tag the graph
 * field carries ({@link BitSimilarity#graphTag()}), or by the estimate of an {@link AsymmetricQuery} when the target is
 * one. Used by the packed-bits flat format for graph construction, graph search and exact scans.
 *
 * <p>A graph view tagged {@link GraphCodes#TAG} holds {@link CentredCodes} records (a code, then two floats):
 * neighbours are scored by the Hamming distance of the codes (the floats left out), and an asymmetric query by the
 * codes' estimate.
 */
final class BitVectorsScorer implements FlatVectorsScorer {

    static final BitVectorsScorer INSTANCE = new BitVectorsScorer();

    private BitVectorsScorer() {}

    @Override
    public RandomVectorScorerSupplier getRandomVectorScorerSupplier(VectorSimilarityFunction tag, KnnVectorValues values) {
        ByteVectorValues bits = bytes(values);
        return new Supplier(similarity(tag), bits, codeBytes(tag, bits));
    }

    private static BitSimilarity similarity(VectorSimilarityFunction tag) {
        return tag == GraphCodes.TAG ? BitSimilarity.HAMMING : BitSimilarity.fromGraphTag(tag);
    }

    /** Bytes of each vector that are bits: all of them, or a centred record's code without its factor. */
    private static int codeBytes(VectorSimilarityFunction tag, ByteVectorValues values) {
        return tag == GraphCodes.TAG ? values.dimension() - 2 * Float.BYTES : values.dimension();
    }

    @Override
    public RandomVectorScorer getRandomVectorScorer(VectorSimilarityFunction tag, KnnVectorValues values, float[] target) {
        ByteVectorValues bits = bytes(values);
        return getRandomVectorScorer(tag, bits, SignBits.pack(target, codeBytes(tag, bits) * Byte.SIZE));
    }

    @Override
    public RandomVectorScorer getRandomVectorScorer(VectorSimilarityFunction tag, KnnVectorValues values, byte[] target) {
        ByteVectorValues bits = bytes(values);
        int codeBytes = codeBytes(tag, bits);
        if (AsymmetricQuery.isEncoded(target, codeBytes)) {
            return tag == GraphCodes.TAG ? AsymmetricQuery.centredScorer(bits, target) : AsymmetricQuery.scorer(bits, target);
        }
        if (target.length != bits.dimension()) {
            FlatVectorsScorer.checkDimensions(target.length, codeBytes);
        }
        return new Scorer(similarity(tag), bits, Arrays.copyOf(target, codeBytes));
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
     * Scores the vectors of {@code values} against a query held in {@code query} (which setScoringOrdinal overwrites),
     * over the first {@code query.length} bytes of each vector (all of them, or a centred record's code).
     * When the bits are a memory-mapped slice (searches, and the graph built at a merge) the candidates are read in
     * place, as {@link AsymmetricQuery} does: no copy per node, a node's neighbours scored in one bulk call.
     */
    private static final class Scorer extends UpdateableRandomVectorScorer.AbstractUpdateableRandomVectorScorer {
        private final BitSimilarity similarity;
        private final ByteVectorValues values;
        private final byte[] query;
        private final RandomAccessInput inPlace;
        private final long bytesPerVector;
        /** Whether only a prefix of each vector is bits (a centred record's code), scored by Hamming. */
        private final boolean prefixOnly;
        /** What {@link RecordTouch} read, kept so that its loads are not dropped as unused. */
        private long touched;

        Scorer(BitSimilarity similarity, ByteVectorValues values, byte[] query) {
            super(values);
            this.similarity = similarity;
            this.values = values;
            this.query = query;
            this.inPlace = values instanceof HasIndexSlice sliced && sliced.getSlice() instanceof RandomAccessInput r ? r : null;
            this.bytesPerVector = values.dimension();
            this.prefixOnly = query.length != values.dimension();
            assert prefixOnly == false || similarity == BitSimilarity.HAMMING : "centred codes are compared by Hamming";
        }

        @Override
        public float score(int node) throws IOException {
            if (inPlace != null) {
                return similarity.score(query, inPlace, node * bytesPerVector);
            }
            byte[] vector = values.vectorValue(node);
            return prefixOnly ? hammingOfPrefix(query, vector) : similarity.score(query, vector);
        }

        /**
         * {@link BitSimilarity#HAMMING} of {@code query} and the first {@code query.length} bytes of {@code vector} (a
         * centred record's code, on heap while a flushed segment's graph is built), without copying the code out.
         */
        private static float hammingOfPrefix(byte[] query, byte[] vector) {
            int differ = 0, i = 0;
            for (int upTo = query.length & -Long.BYTES; i < upTo; i += Long.BYTES) {
                differ += Long.bitCount((long) BitUtil.VH_LE_LONG.get(query, i) ^ (long) BitUtil.VH_LE_LONG.get(vector, i));
            }
            for (; i < query.length; i++) {
                differ += Integer.bitCount((query[i] ^ vector[i]) & 0xFF);
            }
            int bits = query.length * Byte.SIZE;
            return (bits - differ) / (float) bits;
        }

        @Override
        public float bulkScore(int[] nodes, float[] scores, int numNodes) throws IOException {
            if (inPlace != null) {
                touched += RecordTouch.touch(inPlace, bytesPerVector, nodes, numNodes);
            }
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
        private final int codeBytes;

        Supplier(BitSimilarity similarity, ByteVectorValues values, int codeBytes) {
            this.similarity = similarity;
            this.values = values;
            this.codeBytes = codeBytes;
        }

        @Override
        public UpdateableRandomVectorScorer scorer() throws IOException {
            // each scorer reads through its own copy: the query vector is copied out of one, the candidates out of another
            return new Scorer(similarity, values.copy(), new byte[codeBytes]);
        }

        @Override
        public RandomVectorScorerSupplier copy() throws IOException {
            return new Supplier(similarity, values.copy(), codeBytes);
        }
    }
}
