package org.opensearch.binaryembeddings.mapper;

import org.apache.lucene.index.VectorSimilarityFunction;
import org.opensearch.binaryembeddings.codec.BitSimilarity;
import org.opensearch.binaryembeddings.codec.RescorePrecision;

import java.util.Locale;

/**
 * The resolved configuration of one {@code binary_embedding} field: every default filled in and every cross-parameter
 * rule checked. The query code reads it from the field type; the codec receives the parts it needs as Lucene field
 * attributes.
 *
 * @param dims            length of the input vectors
 * @param truncateTo      leading dims kept (Matryoshka truncation); the rescoring values have this length
 * @param binaryDims      leading dims whose signs go into the graph, a multiple of 8
 * @param bitSimilarity   how the graph compares bit vectors
 * @param precision       how the rescoring values are stored ({@link RescorePrecision#NONE}: bits only)
 * @param rescoreSimilarity similarity of the rescoring phase (and of the Lucene field)
 * @param model           the local encoder model the field's text comes from, or null
 * @param m               HNSW max connections per node
 * @param efConstruction  HNSW beam width at build time
 * @param packedInput     documents send pre-packed bits instead of numbers
 */
public record BinaryEmbeddingSpec(
    int dims,
    int truncateTo,
    int binaryDims,
    BitSimilarity bitSimilarity,
    RescorePrecision precision,
    RescoreSimilarity rescoreSimilarity,
    String model,
    int m,
    int efConstruction,
    boolean packedInput
) {

    public static final int MIN_DIMS = 8;
    public static final int MAX_DIMS = 4096;

    /** Bytes of packed sign bits per document. */
    public int packedBytes() {
        return binaryDims / 8;
    }

    /** True when full-precision (or int8) values are kept for rescoring. */
    public boolean hasRescoreValues() {
        return precision != RescorePrecision.NONE;
    }

    /** Rescoring similarity; each maps to the Lucene function that defines its score. */
    public enum RescoreSimilarity {
        COSINE(VectorSimilarityFunction.COSINE),
        DOT_PRODUCT(VectorSimilarityFunction.DOT_PRODUCT),
        L2(VectorSimilarityFunction.EUCLIDEAN);

        private final VectorSimilarityFunction lucene;

        RescoreSimilarity(VectorSimilarityFunction lucene) {
            this.lucene = lucene;
        }

        public VectorSimilarityFunction lucene() {
            return lucene;
        }

        public String value() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
