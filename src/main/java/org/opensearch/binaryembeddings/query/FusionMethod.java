package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;
import java.util.Set;

/**
 * One way {@code binary_hybrid} combines its keyword and vector lists ({@code fusion.method}): a small stateless class
 * per technique, found by name. A new method is a new class plus its line in {@link FusionStrategies#METHODS}; parsing, the wire,
 * XContent and the fused hits' explanation follow from it ({@link Fusion}).
 */
public interface FusionMethod {

    /** The name users write in {@code fusion.method}. */
    String name();

    /** The {@code fusion} parameters besides {@code method} this method takes (of weights, normalization, rank_constant). */
    Set<String> parameters();

    /** Whether the method needs the vector search's own list (rerank only scores the keyword candidates). */
    default boolean needsVectorList() {
        return true;
    }

    /** The candidates the method ranks. */
    default List<Candidate> pool(List<Candidate> candidates) {
        return candidates;
    }

    /** A scorer for {@code pool}'s candidates, holding whatever the method needs to know about the whole pool. */
    CandidateScorer prepare(Fusion fusion, List<Candidate> pool);

    /** Scores one candidate of the pool its scorer was prepared for. */
    interface CandidateScorer {
        /** {@code vectorRank}: the candidate's rank by vector score within the pool, 0 when it has none. */
        Parts score(Candidate candidate, int vectorRank);
    }

    /** A candidate's fused score as the sum of each list's contribution, with how it was computed. */
    record Parts(double keyword, double vector, double score, String how) {}
}
