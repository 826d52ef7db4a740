package org.opensearch.binaryembeddings.codec;

import org.apache.lucene.index.VectorSimilarityFunction;

/** What a field's HNSW graph is built over and walked by, and what its flat file (.vec) holds. */
public enum GraphCodes {
    /** The packed sign bits themselves (byte fields; every field of format version 0). */
    SIGN_BITS,
    /** {@link CentredCodes}: sign bits of the vector centred on its segment's mean, and one factor a vector. */
    CENTRED;

    /**
     * The similarity tag of a graph view over centred codes. Like {@link BitSimilarity#graphTag()} it only names the
     * scoring to {@link BitVectorsScorer} and never computes a score: neighbours by Hamming distance of the codes, an
     * asymmetric query by the factor-weighted estimate.
     */
    static final VectorSimilarityFunction TAG = VectorSimilarityFunction.COSINE;
}
