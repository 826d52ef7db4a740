package org.opensearch.binaryembeddings.query;

import org.opensearch.binaryembeddings.query.Fusion.Candidate;

import java.util.List;

/**
 * {@code vector_z} (the default): vector scores z-normalized by their mean and spread over the vector search's own
 * candidates, keyword scores divided by the query's best keyword score. Keyword-only candidates, often semantically
 * far, are left out of the vector spread: they would widen it and with it the keyword's reach.
 */
final class VectorZNormalization implements ScoreNormalization {

    static final VectorZNormalization INSTANCE = new VectorZNormalization();

    private VectorZNormalization() {}

    @Override
    public String name() {
        return "vector_z";
    }

    @Override
    public Normalizer prepare(List<Candidate> pool) {
        double kwMax = ScoreStats.keyword(pool).max();
        ScoreStats vList = ScoreStats.vector(pool.stream().filter(Candidate::vectorListed).toList());
        return new Normalizer() {
            @Override
            public double keyword(Candidate c) {
                return c.keywordScore() == null || kwMax == 0 ? 0 : c.keywordScore() / kwMax;
            }

            @Override
            public double vector(Candidate c) {
                return c.vectorScore() == null ? 0 : vList.z(c.vectorScore());
            }
        };
    }
}
