package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;

/**
 * How {@code linear} fusion puts the keyword and vector scores on one scale ({@code fusion.normalization}): a small
 * stateless class per technique, found by name. A new one is a new class plus its line in {@link FusionStrategies#NORMALIZATIONS}.
 */
public interface ScoreNormalization {

    /** The name users write in {@code fusion.normalization}. */
    String name();

    /** The normalized scores of {@code pool}'s candidates: what the technique needs to know about the pool, computed once. */
    Normalizer prepare(List<Candidate> pool);

    /** A candidate's normalized scores; a candidate missing from a list gets 0 there unless the technique says otherwise. */
    interface Normalizer {
        double keyword(Candidate c);

        double vector(Candidate c);
    }
}
